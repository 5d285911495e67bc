//! The chat panel's texts, in every language: the panel itself, and why a
//! message is not sent (the nickname and text checks of core's `chat`
//! module, the relay's and the machine's refusals).

texts! {
    /// The chat beside a page.
    pub struct Chat {
        /// The panel's heading, and its section's aria-label.
        title,
        /// The note beside the heading.
        note,
        /// The button that collapses the panel.
        hide,
        /// The button that opens the collapsed panel.
        show,
        /// The aria-label of the unread badge on the toggle, one message ("{n} unread").
        unread_one,
        /// The aria-label of the unread badge on the toggle, other counts.
        unread_other,
        /// An encrypted page's chat without the key, no messages yet.
        locked,
        /// An encrypted page's chat without the key, with messages ({messages}: a message count).
        locked_some,
        /// A count of messages, one ("1 message"), in `locked_some`.
        messages_one,
        /// A count of messages, other than one ("3 messages").
        messages_other,
        /// The aria-label of the message log.
        log,
        /// A message in the log that this browser cannot decrypt.
        unreadable,
        /// Under the log on an encrypted page: readable messages not shown, one.
        hidden_one,
        /// Under the log on an encrypted page: readable messages not shown, other counts.
        hidden_other,
        /// The empty log.
        empty,
        /// The label of the nickname field.
        nickname,
        /// The label of the message box.
        message,
        /// The message box's placeholder (the key names stay as they are on the keyboard).
        placeholder,
        /// The send button.
        send,
        /// The send button's title while this tab cannot send yet.
        connecting,
        /// The problem line: encrypting the message failed.
        cannot_encrypt,
        /// The problem line: the nickname chosen is empty, too long or has control characters.
        nick_invalid,
        /// The problem line: the nickname chosen has an invisible or direction character ({code}: its hex code point).
        nick_invisible,
        /// The problem line on sending: the nickname is empty, too long or has control characters.
        send_nick_invalid,
        /// The problem line on sending: the nickname has an invisible or direction character ({code}).
        send_nick_invisible,
        /// The problem line on sending: the message is blank.
        write_first,
        /// The problem line on sending: the message is too long ({max}: the most characters).
        too_long,
        /// The problem line on sending: the message has a direction override or isolate ({code}).
        direction,
        /// The relay refused the message: too many too fast.
        too_fast,
        /// The message was said before this tab hosts the page.
        hosts_only,
        /// The message is dated too far ahead (this computer's clock is ahead).
        future,
        /// The relay refused the message for another reason ({reason}, as the relay says it).
        not_sent,
    }
}

pub const EN: Chat = Chat {
    title: "Chat",
    note: "Held only by this page's hosts: it vanishes with the page.",
    hide: "Hide",
    show: "Show",
    unread_one: "{n} unread",
    unread_other: "{n} unread",
    locked: "This page's conversation is encrypted with the page: without the whole link (and the page's password, if it asks one) you cannot read it or join it.",
    locked_some: "There is a conversation here ({messages}), encrypted with the page: without the whole link (and the page's password, if it asks one) you cannot read it or join it.",
    messages_one: "{n} message",
    messages_other: "{n} messages",
    log: "Messages",
    unreadable: "(a message this browser cannot decrypt)",
    hidden_one: "{n} message sent without this page's key is not shown.",
    hidden_other: "{n} messages sent without this page's key are not shown.",
    empty: "No messages yet. Say hello to the other readers.",
    nickname: "Nickname",
    message: "Message",
    placeholder: "Enter sends, Shift+Enter starts a new line",
    send: "Send",
    connecting: "Connecting to the relay…",
    cannot_encrypt: "This browser could not encrypt the message.",
    nick_invalid: "Nickname must be 1 to 40 characters, with no line breaks or control characters.",
    nick_invisible: "Nickname must not hold invisible or text-direction characters (U+{code}).",
    send_nick_invalid: "Nickname: nickname must be 1 to 40 characters, with no line breaks or control characters.",
    send_nick_invisible: "Nickname: nickname must not hold invisible or text-direction characters (U+{code}).",
    write_first: "Write something first.",
    too_long: "Message over {max} characters.",
    direction: "Message must not hold text-direction overrides or isolates (U+{code}): they reorder what follows.",
    too_fast: "You are sending messages too fast: at most 5 every 10 seconds. Wait a moment and send it again.",
    hosts_only: "Not sent: only hosts of the page can chat: wait until this tab has the page.",
    future: "Not sent: message dated more than a minute in the future.",
    not_sent: "Not sent: {reason}.",
};

pub const DE: Chat = Chat {
    title: "Chat",
    note: "Liegt nur bei den Hosts dieser Seite: Er verschwindet mit der Seite.",
    hide: "Ausblenden",
    show: "Einblenden",
    unread_one: "{n} ungelesen",
    unread_other: "{n} ungelesen",
    locked: "Die Unterhaltung dieser Seite ist mit der Seite verschlüsselt: Ohne den vollständigen Link (und das Passwort der Seite, falls sie eins verlangt) kannst du sie weder lesen noch daran teilnehmen.",
    locked_some: "Hier gibt es eine Unterhaltung ({messages}), mit der Seite verschlüsselt: Ohne den vollständigen Link (und das Passwort der Seite, falls sie eins verlangt) kannst du sie weder lesen noch daran teilnehmen.",
    messages_one: "{n} Nachricht",
    messages_other: "{n} Nachrichten",
    log: "Nachrichten",
    unreadable: "(eine Nachricht, die dieser Browser nicht entschlüsseln kann)",
    hidden_one: "{n} Nachricht, die ohne den Schlüssel dieser Seite gesendet wurde, wird nicht angezeigt.",
    hidden_other: "{n} Nachrichten, die ohne den Schlüssel dieser Seite gesendet wurden, werden nicht angezeigt.",
    empty: "Noch keine Nachrichten. Sag den anderen Lesern Hallo.",
    nickname: "Nickname",
    message: "Nachricht",
    placeholder: "Enter sendet, Shift+Enter beginnt eine neue Zeile",
    send: "Senden",
    connecting: "Verbindung zum Relay wird hergestellt…",
    cannot_encrypt: "Dieser Browser konnte die Nachricht nicht verschlüsseln.",
    nick_invalid: "Der Nickname muss 1 bis 40 Zeichen lang sein, ohne Zeilenumbrüche oder Steuerzeichen.",
    nick_invisible: "Der Nickname darf keine unsichtbaren oder die Schreibrichtung ändernden Zeichen enthalten (U+{code}).",
    send_nick_invalid: "Nickname: Er muss 1 bis 40 Zeichen lang sein, ohne Zeilenumbrüche oder Steuerzeichen.",
    send_nick_invisible: "Nickname: Er darf keine unsichtbaren oder die Schreibrichtung ändernden Zeichen enthalten (U+{code}).",
    write_first: "Schreib zuerst etwas.",
    too_long: "Die Nachricht hat mehr als {max} Zeichen.",
    direction: "Die Nachricht darf keine Zeichen enthalten, die die Schreibrichtung überschreiben oder isolieren (U+{code}): Sie ordnen den folgenden Text um.",
    too_fast: "Du sendest zu schnell: höchstens 5 Nachrichten alle 10 Sekunden. Warte einen Moment und sende sie dann noch einmal.",
    hosts_only: "Nicht gesendet: Nur Hosts der Seite können chatten. Warte, bis dieser Tab die Seite hat.",
    future: "Nicht gesendet: Die Nachricht ist mehr als eine Minute in die Zukunft datiert.",
    not_sent: "Nicht gesendet: {reason}.",
};

pub const FR: Chat = Chat {
    title: "Discussion",
    note: "Conservée uniquement par les hôtes de cette page\u{a0}: elle disparaît avec la page.",
    hide: "Masquer",
    show: "Afficher",
    unread_one: "{n} non lu",
    unread_other: "{n} non lus",
    locked: "La discussion de cette page est chiffrée avec la page\u{a0}: sans le lien complet (et le mot de passe de la page, si elle en demande un), vous ne pouvez ni la lire ni y participer.",
    locked_some: "Il y a une discussion ici ({messages}), chiffrée avec la page\u{a0}: sans le lien complet (et le mot de passe de la page, si elle en demande un), vous ne pouvez ni la lire ni y participer.",
    messages_one: "{n} message",
    messages_other: "{n} messages",
    log: "Messages",
    unreadable: "(un message que ce navigateur ne peut pas déchiffrer)",
    hidden_one: "{n} message envoyé sans la clé de cette page n’est pas affiché.",
    hidden_other: "{n} messages envoyés sans la clé de cette page ne sont pas affichés.",
    empty: "Aucun message pour l’instant. Dites bonjour aux autres lecteurs.",
    nickname: "Pseudo",
    message: "Message",
    placeholder: "Enter envoie, Shift+Enter passe à la ligne",
    send: "Envoyer",
    connecting: "Connexion au relais…",
    cannot_encrypt: "Ce navigateur n’a pas pu chiffrer le message.",
    nick_invalid: "Le pseudo doit comporter de 1 à 40 caractères, sans saut de ligne ni caractère de contrôle.",
    nick_invisible: "Le pseudo ne doit pas contenir de caractères invisibles ou modifiant le sens du texte (U+{code}).",
    send_nick_invalid: "Pseudo\u{a0}: il doit comporter de 1 à 40 caractères, sans saut de ligne ni caractère de contrôle.",
    send_nick_invisible: "Pseudo\u{a0}: il ne doit pas contenir de caractères invisibles ou modifiant le sens du texte (U+{code}).",
    write_first: "Écrivez d’abord quelque chose.",
    too_long: "Le message dépasse {max} caractères.",
    direction: "Le message ne doit pas contenir de caractères qui forcent ou isolent le sens du texte (U+{code})\u{a0}: ils réordonnent ce qui suit.",
    too_fast: "Vous envoyez des messages trop vite\u{a0}: 5 au plus toutes les 10 secondes. Patientez un instant, puis renvoyez-le.",
    hosts_only: "Non envoyé\u{a0}: seuls les hôtes de la page peuvent discuter. Attendez que cet onglet ait la page.",
    future: "Non envoyé\u{a0}: le message est daté de plus d’une minute dans le futur.",
    not_sent: "Non envoyé\u{a0}: {reason}.",
};

pub const ES: Chat = Chat {
    title: "Chat",
    note: "Solo lo guardan los anfitriones de esta página: desaparece con la página.",
    hide: "Ocultar",
    show: "Mostrar",
    unread_one: "{n} sin leer",
    unread_other: "{n} sin leer",
    locked: "La conversación de esta página está cifrada con la página: sin el enlace completo (y la contraseña de la página, si pide una) no puedes leerla ni unirte.",
    locked_some: "Aquí hay una conversación ({messages}), cifrada con la página: sin el enlace completo (y la contraseña de la página, si pide una) no puedes leerla ni unirte.",
    messages_one: "{n} mensaje",
    messages_other: "{n} mensajes",
    log: "Mensajes",
    unreadable: "(un mensaje que este navegador no puede descifrar)",
    hidden_one: "No se muestra {n} mensaje enviado sin la clave de esta página.",
    hidden_other: "No se muestran {n} mensajes enviados sin la clave de esta página.",
    empty: "Aún no hay mensajes. Saluda a los demás lectores.",
    nickname: "Apodo",
    message: "Mensaje",
    placeholder: "Enter envía, Shift+Enter añade una línea nueva",
    send: "Enviar",
    connecting: "Conectando con el relé…",
    cannot_encrypt: "Este navegador no pudo cifrar el mensaje.",
    nick_invalid: "El apodo debe tener de 1 a 40 caracteres, sin saltos de línea ni caracteres de control.",
    nick_invisible: "El apodo no puede contener caracteres invisibles ni que cambien la dirección del texto (U+{code}).",
    send_nick_invalid: "Apodo: debe tener de 1 a 40 caracteres, sin saltos de línea ni caracteres de control.",
    send_nick_invisible: "Apodo: no puede contener caracteres invisibles ni que cambien la dirección del texto (U+{code}).",
    write_first: "Escribe algo primero.",
    too_long: "El mensaje supera los {max} caracteres.",
    direction: "El mensaje no puede contener caracteres que anulen o aíslen la dirección del texto (U+{code}): reordenan lo que sigue.",
    too_fast: "Estás enviando mensajes demasiado rápido: como máximo 5 cada 10 segundos. Espera un momento y vuelve a enviarlo.",
    hosts_only: "No enviado: solo los anfitriones de la página pueden chatear. Espera a que esta pestaña tenga la página.",
    future: "No enviado: el mensaje tiene una fecha de más de un minuto en el futuro.",
    not_sent: "No enviado: {reason}.",
};

pub const JA: Chat = Chat {
    title: "チャット",
    note: "このページのホストだけが保持し、ページとともに消えます。",
    hide: "非表示",
    show: "表示",
    unread_one: "未読 {n} 件",
    unread_other: "未読 {n} 件",
    locked: "このページの会話はページとともに暗号化されています。完全なリンク（ページがパスワードを求める場合はそのパスワードも）がなければ、読むことも参加することもできません。",
    locked_some: "ここには会話（{messages}）があり、ページとともに暗号化されています。完全なリンク（ページがパスワードを求める場合はそのパスワードも）がなければ、読むことも参加することもできません。",
    messages_one: "メッセージ {n} 件",
    messages_other: "メッセージ {n} 件",
    log: "メッセージ",
    unreadable: "（このブラウザでは復号できないメッセージ）",
    hidden_one: "このページの鍵なしで送られたメッセージ {n} 件は表示されません。",
    hidden_other: "このページの鍵なしで送られたメッセージ {n} 件は表示されません。",
    empty: "まだメッセージはありません。ほかの読む人にあいさつしましょう。",
    nickname: "ニックネーム",
    message: "メッセージ",
    placeholder: "Enter で送信、Shift+Enter で改行",
    send: "送信",
    connecting: "リレーに接続中…",
    cannot_encrypt: "このブラウザではメッセージを暗号化できませんでした。",
    nick_invalid: "ニックネームは 1〜40 文字で、改行や制御文字は使えません。",
    nick_invisible: "ニックネームに見えない文字や文字の向きを変える文字（U+{code}）は使えません。",
    send_nick_invalid: "ニックネーム：1〜40 文字で、改行や制御文字は使えません。",
    send_nick_invisible: "ニックネーム：見えない文字や文字の向きを変える文字（U+{code}）は使えません。",
    write_first: "まず何か入力してください。",
    too_long: "メッセージが {max} 文字を超えています。",
    direction: "メッセージに文字の向きを上書き・分離する文字（U+{code}）は使えません。後に続く文字の並びが変わってしまいます。",
    too_fast: "メッセージの送信が速すぎます。送れるのは 10 秒間に 5 件までです。少し待ってからもう一度送信してください。",
    hosts_only: "送信されませんでした：チャットできるのはページのホストだけです。このタブがページを受け取るまでお待ちください。",
    future: "送信されませんでした：メッセージの日時が 1 分以上先になっています。",
    not_sent: "送信されませんでした：{reason}。",
};
