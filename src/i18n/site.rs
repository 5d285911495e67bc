//! The header, footer, homepage and 404 page, in every language.

texts! {
    /// The site's own texts.
    pub struct Site {
        /// A count of hosts, one ("1 host"); used wherever hosts are counted.
        hosts_one,
        /// A count of hosts, other than one ("3 hosts").
        hosts_other,
        /// The label of the language switch in the footer.
        language,
        /// The header's link to the homepage, and the composer's label.
        new_page,
        /// Every page's meta description.
        description,
        /// The footer's line.
        footer,
        /// The 404 page's title and heading.
        not_found,
        /// The 404 page's explanation; `{slash}` is a `/` in code.
        not_found_text,
        /// The 404 page's link to the homepage.
        write_new_page,
        /// The homepage's heading.
        intro_title,
        /// The homepage's introduction; `{button}` is the Create page button's name, in bold.
        intro,
        /// The homepage's button that creates the page (also named in the introduction).
        create_page,
        /// The homepage's button when files are chosen.
        share_files,
        /// Above the composer after "Edit as a new page"; `{link}` is the link to the old page.
        based_on,
        /// That link's text; `{hash}` is the start of the page's hash (in code, with "…").
        based_on_link,
        /// The button that drops the link to the old page.
        forget_origin,
        /// The text box's (hidden) label.
        page_text_label,
        /// The text box's placeholder.
        placeholder,
        /// A chosen file's remove button, for screen readers; `{name}` is the file's name.
        remove_file,
        /// A chosen file's remove button.
        remove,
        /// The button that picks files.
        add_files,
        /// The tooltip of the button that picks files.
        add_files_hint,
        /// The Encrypt checkbox (also named in the error without encryption).
        encrypt,
        /// The Encrypt checkbox's tooltip.
        encrypt_hint,
        /// The Markdown checkbox's tooltip.
        markdown_hint,
        /// The lifetime choice's label.
        lifetime,
        /// The lifetime choice's tooltip.
        lifetime_hint,
        /// The lifetime choice with no end.
        lifetime_until_last,
        /// The tests' own lifetime choice; `{n}` seconds.
        lifetime_test,
        /// The lifetime choice of five minutes.
        lifetime_5_minutes,
        /// The lifetime choice of an hour.
        lifetime_1_hour,
        /// The lifetime choice of a day.
        lifetime_1_day,
        /// The lifetime choice of a week.
        lifetime_1_week,
        /// The One-time checkbox.
        one_time,
        /// The One-time checkbox's tooltip.
        one_time_hint,
        /// The note under the composer when One-time is ticked.
        one_time_note,
        /// The note under the composer when Encrypt is ticked.
        encrypt_note,
        /// The password field's label.
        password_label,
        /// The note beside the password field.
        password_note,
        /// The byte counter: `{n}` bytes of the `{limit}`.
        counter,
        /// The byte counter when encrypting.
        counter_encrypted,
        /// A count of bytes, one ("1 byte"), in the homepage's errors.
        bytes_one,
        /// A count of bytes, other than one ("16 bytes").
        bytes_other,
        /// The error for an empty page.
        empty_error,
        /// The error for a text over the limit: `{size}`, `{limit}` and `{over}` are counts of bytes.
        too_large,
        /// The same, when encrypting.
        too_large_encrypted,
        /// The error when this browser cannot encrypt.
        no_encryption,
        /// The error for a password too long; `{size}` is a count of bytes.
        long_password,
        /// The error when the text beside the files cannot be made a file.
        files_note_error,
        /// The error when the chosen files cannot be read or are too many or large.
        files_error,
    }
}

pub const EN: Site = Site {
    hosts_one: "{n} host",
    hosts_other: "{n} hosts",
    language: "Language",
    new_page: "New page",
    description: "Write a page and share its link. It lives only in the browsers of the people looking at \
                  it.",
    footer: "The server never stores a page. When its last visitor leaves, it is gone.",
    not_found: "Not found",
    not_found_text: "There is no page at this address. A page's address is {slash} followed by the 64 \
                     lowercase hexadecimal digits of its SHA-256 hash.",
    write_new_page: "Write a new page",
    intro_title: "Share a page that lives only while people look at it",
    intro: "Write something and press {button}. Your browser hosts the page and gives it an address made \
            from its SHA-256 hash. Everyone who opens the link gets the text from the other visitors, checks \
            it, and hosts it too. The server keeps nothing: when the last visitor closes the page, it is \
            gone.",
    create_page: "Create page",
    share_files: "Share files",
    based_on: "A new page from {link}. That page stays as it is; this one gets its own link.",
    based_on_link: "page {hash}",
    forget_origin: "Forget where it came from",
    page_text_label: "Page text",
    placeholder: "Write your page here…",
    remove_file: "Remove {name}",
    remove: "Remove",
    add_files: "Add files",
    add_files_hint: "Files are shared from your browser, chunk by chunk, each checked against the link",
    encrypt: "Encrypt",
    encrypt_hint: "The key goes in the link after #, which browsers never send to a server",
    markdown_hint: "Readers see headings, lists, tables and links; they can switch to the plain text",
    lifetime: "Lifetime",
    lifetime_hint: "The end is written inside the page: nobody can change it, and every host lets the page \
                    go then",
    lifetime_until_last: "Until the last host leaves",
    lifetime_test: "{n} seconds (test)",
    lifetime_5_minutes: "5 minutes",
    lifetime_1_hour: "1 hour",
    lifetime_1_day: "1 day",
    lifetime_1_week: "1 week",
    one_time: "One-time",
    one_time_hint: "Only your tab hosts it; the relay passes it to one reader, then it is gone",
    one_time_note: "One-time: only this tab hosts the page, so keep it open until it is read. Its reader \
                    first sees “Open this one-time page” (link previews open nothing); the relay passes it \
                    to that one reader and then to nobody, and this tab lets it go.",
    encrypt_note:
        "Encrypted in your browser. The key is the part of the link after “#”: browsers never send \
                   it, so the server and anyone watching it see only ciphertext. Whoever has the whole link \
                   can read the page.",
    password_label: "Password (optional)",
    password_note:
        "With a password, the link alone opens nothing: readers are asked for it. Send it another \
                    way than the link. Nobody can recover a forgotten one.",
    counter: "{n} / {limit} bytes",
    counter_encrypted: "{n} / {limit} bytes encrypted",
    bytes_one: "{n} byte",
    bytes_other: "{n} bytes",
    empty_error: "Write something first: an empty page cannot be shared.",
    too_large: "This text is {size}; a page can hold at most {limit}. Shorten it by {over}.",
    too_large_encrypted:
        "Encrypted, this text weighs {size}; a page can hold at most {limit}. Shorten it by \
                          {over}.",
    no_encryption: "This browser cannot encrypt here: encryption needs a secure connection (HTTPS). Untick \
                    Encrypt to share the page unencrypted.",
    long_password: "A password can be at most {size} long.",
    files_note_error: "These files cannot be shared: the note could not be made a file.",
    files_error: "These files cannot be shared: a file could not be read, or they are too many or too large.",
};

pub const DE: Site = Site {
    hosts_one: "{n} Host",
    hosts_other: "{n} Hosts",
    language: "Sprache",
    new_page: "Neue Seite",
    description: "Schreib eine Seite und teile ihren Link. Sie lebt nur in den Browsern der Leute, die sie \
                  gerade ansehen.",
    footer: "Der Server speichert nie eine Seite. Wenn ihr letzter Besucher geht, ist sie weg.",
    not_found: "Nicht gefunden",
    not_found_text: "Unter dieser Adresse gibt es keine Seite. Die Adresse einer Seite ist {slash}, gefolgt \
                     von den 64 hexadezimalen Ziffern (in Kleinbuchstaben) ihres SHA-256-Hashs.",
    write_new_page: "Neue Seite schreiben",
    intro_title: "Teile eine Seite, die nur lebt, solange Leute sie ansehen",
    intro: "Schreib etwas und drück auf {button}. Dein Browser hostet die Seite und gibt ihr eine Adresse, \
            die aus ihrem SHA-256-Hash gebildet wird. Wer den Link öffnet, bekommt den Text von den anderen \
            Besuchern, prüft ihn und hostet ihn ebenfalls. Der Server behält nichts: Wenn der letzte \
            Besucher die Seite schließt, ist sie weg.",
    create_page: "Seite erstellen",
    share_files: "Dateien teilen",
    based_on:
        "Eine neue Seite auf Basis von {link}. Die alte Seite bleibt, wie sie ist; diese bekommt ihren \
               eigenen Link.",
    based_on_link: "Seite {hash}",
    forget_origin: "Herkunft vergessen",
    page_text_label: "Text der Seite",
    placeholder: "Schreib deine Seite hier…",
    remove_file: "{name} entfernen",
    remove: "Entfernen",
    add_files: "Dateien hinzufügen",
    add_files_hint: "Dateien werden aus deinem Browser geteilt, Stück für Stück, und jedes Stück wird anhand \
                     des Links geprüft",
    encrypt: "Verschlüsseln",
    encrypt_hint: "Der Schlüssel steht im Link nach dem #, und diesen Teil senden Browser nie an einen \
                   Server",
    markdown_hint: "Leser sehen Überschriften, Listen, Tabellen und Links; sie können zum reinen Text \
                    wechseln",
    lifetime: "Lebensdauer",
    lifetime_hint:
        "Das Ende steht in der Seite selbst: Niemand kann es ändern, und dann gibt jeder Host die \
                    Seite frei",
    lifetime_until_last: "Bis der letzte Host geht",
    lifetime_test: "{n} Sekunden (Test)",
    lifetime_5_minutes: "5 Minuten",
    lifetime_1_hour: "1 Stunde",
    lifetime_1_day: "1 Tag",
    lifetime_1_week: "1 Woche",
    one_time: "Einmal-Seite",
    one_time_hint: "Nur dein Tab hostet sie; das Relay gibt sie an einen Leser weiter, dann ist sie weg",
    one_time_note:
        "Einmal-Seite: Nur dieser Tab hostet die Seite, lass ihn also offen, bis sie gelesen ist. \
                    Ihr Leser sieht zuerst „Diese Einmal-Seite öffnen“ (Linkvorschauen öffnen nichts); das \
                    Relay gibt sie an diesen einen Leser weiter und danach an niemanden, und dieser Tab gibt \
                    sie frei.",
    encrypt_note: "In deinem Browser verschlüsselt. Der Schlüssel ist der Teil des Links nach „#“: Browser \
                   senden ihn nie, also sehen der Server und alle, die ihn beobachten, nur Chiffretext. Wer \
                   den vollständigen Link hat, kann die Seite lesen.",
    password_label: "Passwort (optional)",
    password_note: "Mit Passwort öffnet der Link allein nichts: Leser werden danach gefragt. Schick es auf \
                    einem anderen Weg als über den Link. Ein vergessenes Passwort kann niemand wiederherstellen.",
    counter: "{n} / {limit} Bytes",
    counter_encrypted: "{n} / {limit} Bytes verschlüsselt",
    bytes_one: "{n} Byte",
    bytes_other: "{n} Bytes",
    empty_error: "Schreib zuerst etwas: Eine leere Seite kann nicht geteilt werden.",
    too_large: "Dieser Text hat {size}; eine Seite fasst höchstens {limit}. Kürze ihn um {over}.",
    too_large_encrypted: "Verschlüsselt hat dieser Text {size}; eine Seite fasst höchstens {limit}. Kürze \
                          ihn um {over}.",
    no_encryption: "Dieser Browser kann hier nicht verschlüsseln: Dafür braucht es eine sichere Verbindung \
                    (HTTPS). Nimm den Haken bei „Verschlüsseln“ weg, um die Seite unverschlüsselt zu teilen.",
    long_password: "Ein Passwort darf höchstens {size} lang sein.",
    files_note_error: "Diese Dateien können nicht geteilt werden: Aus der Notiz ließ sich keine Datei \
                       machen.",
    files_error: "Diese Dateien können nicht geteilt werden: Eine Datei ließ sich nicht lesen, oder es sind \
                  zu viele oder zu große.",
};

pub const FR: Site = Site {
    hosts_one: "{n} hôte",
    hosts_other: "{n} hôtes",
    language: "Langue",
    new_page: "Nouvelle page",
    description: "Écrivez une page et partagez son lien. Elle ne vit que dans les navigateurs des personnes \
                  qui la consultent.",
    footer: "Le serveur ne stocke jamais aucune page. Quand son dernier visiteur s’en va, elle disparaît.",
    not_found: "Page introuvable",
    not_found_text: "Il n’y a aucune page à cette adresse. L’adresse d’une page est {slash} suivi des 64 \
                     chiffres hexadécimaux en minuscules de son hachage SHA-256.",
    write_new_page: "Écrire une nouvelle page",
    intro_title: "Partagez une page qui ne vit que tant qu’on la regarde",
    intro:
        "Écrivez quelque chose et appuyez sur {button}. Votre navigateur héberge la page et lui donne une \
            adresse tirée de son hachage SHA-256. Quiconque ouvre le lien reçoit le texte des autres \
            visiteurs, le vérifie et l’héberge à son tour. Le serveur ne garde rien\u{a0}: quand le dernier \
            visiteur ferme la page, elle disparaît.",
    create_page: "Créer la page",
    share_files: "Partager les fichiers",
    based_on: "Une nouvelle page à partir de {link}. Cette page-là reste telle quelle\u{a0}; celle-ci \
               reçoit son propre lien.",
    based_on_link: "la page {hash}",
    forget_origin: "Oublier sa provenance",
    page_text_label: "Texte de la page",
    placeholder: "Écrivez votre page ici…",
    remove_file: "Retirer {name}",
    remove: "Retirer",
    add_files: "Ajouter des fichiers",
    add_files_hint:
        "Les fichiers sont partagés depuis votre navigateur, morceau par morceau, chacun vérifié \
                     au regard du lien",
    encrypt: "Chiffrer",
    encrypt_hint: "La clé se trouve dans le lien après #, partie que les navigateurs n’envoient jamais à un \
                   serveur",
    markdown_hint: "Les lecteurs voient titres, listes, tableaux et liens\u{a0}; ils peuvent passer au \
                    texte brut",
    lifetime: "Durée de vie",
    lifetime_hint:
        "La fin est écrite dans la page\u{a0}: personne ne peut la changer, et chaque hôte libère \
                    alors la page",
    lifetime_until_last: "Jusqu’au départ du dernier hôte",
    lifetime_test: "{n} secondes (test)",
    lifetime_5_minutes: "5 minutes",
    lifetime_1_hour: "1 heure",
    lifetime_1_day: "1 jour",
    lifetime_1_week: "1 semaine",
    one_time: "Lecture unique",
    one_time_hint: "Seul votre onglet l’héberge\u{a0}; le relais la transmet à un seul lecteur, puis elle \
                    disparaît",
    one_time_note: "Lecture unique\u{a0}: seul cet onglet héberge la page, gardez-le donc ouvert jusqu’à ce \
                    qu’elle soit lue. Son lecteur voit d’abord «\u{a0}Ouvrir cette page à lecture \
                    unique\u{a0}» (les aperçus de liens n’ouvrent rien)\u{a0}; le relais la transmet à ce \
                    seul lecteur, puis à personne, et cet onglet la libère.",
    encrypt_note: "Chiffré dans votre navigateur. La clé est la partie du lien après «\u{a0}#\u{a0}»\u{a0}: \
                   les navigateurs ne l’envoient jamais, donc le serveur et quiconque l’observe ne voient \
                   que du texte chiffré. Quiconque possède le lien complet peut lire la page.",
    password_label: "Mot de passe (facultatif)",
    password_note: "Avec un mot de passe, le lien seul n’ouvre rien\u{a0}: il est demandé aux lecteurs. \
                    Envoyez-le par un autre moyen que le lien. Personne ne peut récupérer un mot de passe \
                    oublié.",
    counter: "{n} / {limit} octets",
    counter_encrypted: "{n} / {limit} octets chiffrés",
    bytes_one: "{n} octet",
    bytes_other: "{n} octets",
    empty_error: "Écrivez d’abord quelque chose\u{a0}: une page vide ne peut pas être partagée.",
    too_large: "Ce texte fait {size}\u{a0}; une page peut contenir au plus {limit}. Raccourcissez-le de \
                {over}.",
    too_large_encrypted: "Chiffré, ce texte pèse {size}\u{a0}; une page peut contenir au plus {limit}. \
                          Raccourcissez-le de {over}.",
    no_encryption: "Ce navigateur ne peut pas chiffrer ici\u{a0}: le chiffrement exige une connexion \
                    sécurisée (HTTPS). Décochez «\u{a0}Chiffrer\u{a0}» pour partager la page sans \
                    chiffrement.",
    long_password: "Un mot de passe peut compter au plus {size}.",
    files_note_error: "Ces fichiers ne peuvent pas être partagés\u{a0}: la note n’a pas pu être transformée \
                       en fichier.",
    files_error: "Ces fichiers ne peuvent pas être partagés\u{a0}: un fichier n’a pas pu être lu, ou ils \
                  sont trop nombreux ou trop volumineux.",
};

pub const ES: Site = Site {
    hosts_one: "{n} anfitrión",
    hosts_other: "{n} anfitriones",
    language: "Idioma",
    new_page: "Nueva página",
    description: "Escribe una página y comparte su enlace. Solo vive en los navegadores de quienes la están \
                  mirando.",
    footer: "El servidor nunca guarda una página. Cuando se va su último visitante, desaparece.",
    not_found: "Página no encontrada",
    not_found_text: "No hay ninguna página en esta dirección. La dirección de una página es {slash} seguida \
                     de los 64 dígitos hexadecimales en minúscula de su hash SHA-256.",
    write_new_page: "Escribir una página nueva",
    intro_title: "Comparte una página que solo vive mientras alguien la mira",
    intro: "Escribe algo y pulsa {button}. Tu navegador aloja la página y le da una dirección creada a \
            partir de su hash SHA-256. Quien abre el enlace recibe el texto de los demás visitantes, lo \
            comprueba y también lo aloja. El servidor no guarda nada: cuando el último visitante cierra la \
            página, desaparece.",
    create_page: "Crear página",
    share_files: "Compartir archivos",
    based_on: "Una página nueva a partir de {link}. Esa página se queda como está; esta tiene su propio \
               enlace.",
    based_on_link: "la página {hash}",
    forget_origin: "Olvidar de dónde viene",
    page_text_label: "Texto de la página",
    placeholder: "Escribe tu página aquí…",
    remove_file: "Quitar {name}",
    remove: "Quitar",
    add_files: "Añadir archivos",
    add_files_hint: "Los archivos se comparten desde tu navegador, fragmento a fragmento, y cada uno se \
                     comprueba con el enlace",
    encrypt: "Cifrar",
    encrypt_hint: "La clave va en el enlace después de #, una parte que los navegadores nunca envían a un \
                   servidor",
    markdown_hint: "Los lectores ven títulos, listas, tablas y enlaces; pueden cambiar al texto sin formato",
    lifetime: "Duración",
    lifetime_hint: "El final va escrito dentro de la página: nadie puede cambiarlo, y entonces cada \
                    anfitrión la suelta",
    lifetime_until_last: "Hasta que se vaya el último anfitrión",
    lifetime_test: "{n} segundos (prueba)",
    lifetime_5_minutes: "5 minutos",
    lifetime_1_hour: "1 hora",
    lifetime_1_day: "1 día",
    lifetime_1_week: "1 semana",
    one_time: "De un solo uso",
    one_time_hint: "Solo tu pestaña la aloja; el relé la pasa a un lector y después desaparece",
    one_time_note:
        "De un solo uso: solo esta pestaña aloja la página, así que mantenla abierta hasta que se \
                    lea. Su lector ve primero «Abrir esta página de un solo uso» (las vistas previas de \
                    enlaces no abren nada); el relé la pasa a ese único lector y luego a nadie, y esta \
                    pestaña la suelta.",
    encrypt_note: "Cifrado en tu navegador. La clave es la parte del enlace después de «#»: los navegadores \
                   nunca la envían, así que el servidor y quien lo vigile solo ven texto cifrado. Quien \
                   tenga el enlace completo puede leer la página.",
    password_label: "Contraseña (opcional)",
    password_note: "Con contraseña, el enlace por sí solo no abre nada: se les pide a los lectores. Envíala \
                    por una vía distinta del enlace. Nadie puede recuperar una contraseña olvidada.",
    counter: "{n} de {limit} bytes",
    counter_encrypted: "{n} de {limit} bytes cifrados",
    bytes_one: "{n} byte",
    bytes_other: "{n} bytes",
    empty_error: "Escribe algo primero: una página vacía no se puede compartir.",
    too_large: "Este texto ocupa {size}; una página admite como máximo {limit}. Acórtalo en {over}.",
    too_large_encrypted: "Cifrado, este texto ocupa {size}; una página admite como máximo {limit}. Acórtalo \
                          en {over}.",
    no_encryption: "Este navegador no puede cifrar aquí: el cifrado necesita una conexión segura (HTTPS). \
                    Desmarca «Cifrar» para compartir la página sin cifrar.",
    long_password: "Una contraseña puede tener como máximo {size}.",
    files_note_error: "Estos archivos no se pueden compartir: no se pudo convertir la nota en un archivo.",
    files_error: "Estos archivos no se pueden compartir: no se pudo leer un archivo, o son demasiados o \
                  demasiado grandes.",
};

pub const JA: Site = Site {
    hosts_one: "ホスト {n}",
    hosts_other: "ホスト {n}",
    language: "言語",
    new_page: "新しいページ",
    description: "ページを書いてリンクを共有しましょう。ページは、\
                  それを見ている人たちのブラウザの中にだけ存在します。",
    footer: "サーバーはページを保存しません。最後の訪問者が去ると、ページは消えます。",
    not_found: "見つかりません",
    not_found_text: "このアドレスにはページがありません。ページのアドレスは、\
                     {slash} の後にそのページの SHA-256 ハッシュを小文字の16進数64桁で続けたものです。",
    write_new_page: "新しいページを書く",
    intro_title: "見ている人がいる間だけ存在するページを共有",
    intro: "何か書いて {button} を押してください。ブラウザがページをホストし、\
            その SHA-256 ハッシュからアドレスを作ります。リンクを開いた人は皆、\
            ほかの訪問者からテキストを受け取って検証し、自分もホストします。サーバーは何も保存しません。\
            最後の訪問者がページを閉じると、ページは消えます。",
    create_page: "ページを作成",
    share_files: "ファイルを共有",
    based_on: "{link} をもとにした新しいページです。元のページはそのまま残り、\
               このページには別のリンクが付きます。",
    based_on_link: "ページ {hash}",
    forget_origin: "元のページを忘れる",
    page_text_label: "ページの本文",
    placeholder: "ここにページを書く…",
    remove_file: "{name} を選択から外す",
    remove: "外す",
    add_files: "ファイルを追加",
    add_files_hint: "ファイルはブラウザから少しずつ共有され、それぞれの断片がリンクと照合されます",
    encrypt: "暗号化",
    encrypt_hint: "鍵はリンクの # より後ろに入ります。ブラウザはこの部分をサーバーに送りません",
    markdown_hint: "読む人には見出し、リスト、表、リンクが表示されます。\
                    プレーンテキストに切り替えることもできます",
    lifetime: "有効期間",
    lifetime_hint: "終了時刻はページの中に書き込まれます。誰も変更できず、\
                    その時刻にすべてのホストがページを手放します",
    lifetime_until_last: "最後のホストが去るまで",
    lifetime_test: "{n} 秒（テスト）",
    lifetime_5_minutes: "5分",
    lifetime_1_hour: "1時間",
    lifetime_1_day: "1日",
    lifetime_1_week: "1週間",
    one_time: "一度だけ",
    one_time_hint: "このタブだけがホストします。リレーが読む人1人に渡すと、ページは消えます",
    one_time_note: "一度だけのページ：このタブだけがページをホストするので、\
                    読まれるまで開いたままにしてください。読む人にはまず「この一度だけのページを開く」\
                    が表示されます（リンクのプレビューでは何も開きません）。\
                    リレーはその1人の読む人にだけページを渡してほかの誰にも渡さず、\
                    このタブもページを手放します。",
    encrypt_note: "ブラウザ内で暗号化されます。鍵はリンクの「#」より後ろの部分です。\
                   ブラウザはこの部分を送信しないため、サーバーやそれを監視する人には暗号文しか見えません。\
                   完全なリンクを持っている人なら誰でもページを読めます。",
    password_label: "パスワード（任意）",
    password_note: "パスワードを付けると、リンクだけでは何も開けず、読む人はパスワードを求められます。\
                    パスワードはリンクとは別の方法で伝えてください。忘れたパスワードは誰にも復元できません。",
    counter: "{n} / {limit} バイト",
    counter_encrypted: "{n} / {limit} バイト（暗号化後）",
    bytes_one: "{n} バイト",
    bytes_other: "{n} バイト",
    empty_error: "先に何か書いてください。空のページは共有できません。",
    too_large: "このテキストは {size} です。1ページに入るのは最大 {limit} です。{over} 短くしてください。",
    too_large_encrypted: "暗号化すると、このテキストは {size} になります。\
                          1ページに入るのは最大 {limit} です。{over} 短くしてください。",
    no_encryption: "このブラウザはここでは暗号化できません。暗号化には安全な接続（HTTPS）が必要です。\
                    暗号化せずに共有するには「暗号化」のチェックを外してください。",
    long_password: "パスワードは最大 {size} までです。",
    files_note_error: "これらのファイルは共有できません。メモをファイルにできませんでした。",
    files_error: "これらのファイルは共有できません。読み込めないファイルがあるか、\
                  ファイルが多すぎるか大きすぎます。",
};
