//! A page view in every language: its bar and title, the status line and
//! health, why an encrypted page stays shut, the views of its text and what
//! a reader can do with it, its end, a one-time page's door, how the page
//! came (directly or through the relay), and the code view.

texts! {
    /// A page view's texts.
    pub struct Page {
        /// The browser tab's title of a page view ("Page 3f2a…"); `{hash}`: the short hash.
        title,
        /// The link preview's title (`og:title`), never the page's text.
        og_title,
        /// The link preview's description (`og:description`).
        og_description,
        /// The badge in the page bar of an encrypted page.
        encrypted,
        /// The tooltip of the "Encrypted" badge.
        encrypted_title,
        /// The page bar's link to the page as plain text over HTTP.
        raw,
        /// The tooltip of the "Raw" link.
        raw_title,
        /// The warning to the only host; `{only}`: [`Page::last_host_only`], in bold.
        last_host,
        /// The bold start of the warning to the only host.
        last_host_only,
        /// Copies discarded for a wrong hash, one (`{n}`: how many).
        rejected_one,
        /// Copies discarded for a wrong hash, other than one.
        rejected_other,
        /// Under why an encrypted page stays shut: the tab hosts it all the same.
        locked_still_hosted,
        /// The label of the password field of a page that asks for one.
        password,
        /// The password form's button while the page opens.
        opening,
        /// The password form's button.
        open_page,
        /// The status line of a one-time page waiting for its reader to open it.
        status_gated,
        /// The status line while the author's tab connects to share the page.
        status_connecting_author,
        /// The status line while a reader's tab connects.
        status_connecting,
        /// The status line while the tab asks the other visitors for the page.
        status_waiting,
        /// The status line when nobody hosts the page (the product's words).
        status_nobody_hosting,
        /// The status line while this tab hosts the page.
        status_hosting,
        /// The status line of a tab that hosts the page and lost its connection.
        status_reconnecting_host,
        /// The status line of a tab that lost its connection.
        status_reconnecting,
        /// The status line of a page whose end came.
        status_ended,
        /// The status line of a one-time page its reader has read.
        status_read,
        /// The status line, in the author's tab, of a one-time page its reader opened.
        status_delivered,
        /// Why an encrypted page stays shut: the link has no key.
        locked_no_key,
        /// Why an encrypted page stays shut: the link's key is another.
        locked_wrong_key,
        /// Why an encrypted page stays shut: it asks for a password.
        locked_needs_password,
        /// Why an encrypted page stays shut: the password given is wrong.
        locked_wrong_password,
        /// Why an encrypted page stays shut: it cannot be read as encrypted.
        locked_malformed,
        /// Why an encrypted page stays shut: no decryption without HTTPS.
        locked_no_decryption,
        /// The accessible name of the view switch (Text, Markdown, Code).
        show_as,
        /// The view switch's button for the text as it is.
        view_text,
        /// The view switch's button for the Markdown view.
        view_markdown,
        /// The view switch's button for the code view.
        view_code,
        /// The button under the text that opens a new page with it.
        edit_as_new,
        /// The tooltip of "Edit as a new page".
        edit_as_new_title,
        /// The button under the text that saves it as a file.
        download,
        /// The button under the text that copies it.
        copy_text,
        /// "Copy text" for a moment after copying.
        copied,
        /// The line naming the page this one was written from; `{page}`: the link.
        written_from,
        /// The link of "Written from"; `{hash}`: the short hash, as code.
        written_from_page,
        /// The line of a page whose end came.
        ended,
        /// The countdown of a page with an end; `{time}`: the time left.
        ends_in,
        /// The heading of a one-time page's door.
        one_time_heading,
        /// What a one-time page's door says of it.
        one_time_about,
        /// A one-time page's door when nobody hosts the page.
        one_time_gone,
        /// The button that opens a one-time page.
        one_time_open,
        /// How the text arrived: over a direct connection.
        arrived_direct,
        /// How the text arrived: through the relay.
        arrived_relay,
        /// Through the relay, as the reader chose "Relay only".
        arrived_relay_only,
        /// Through the relay, as the browser has no WebRTC.
        arrived_relay_unsupported,
        /// Through the relay, as no direct connection opened in time.
        arrived_relay_timeout,
        /// Through the relay, as the direct connection broke.
        arrived_relay_broke,
        /// Through the relay, as a host sent a wrong copy directly.
        arrived_relay_lied,
        /// How the text arrived: in the server's first response.
        arrived_first_response,
        /// A file page's pieces that came directly, one (`{n}`).
        pieces_direct_one,
        /// A file page's pieces that came directly, other than one.
        pieces_direct_other,
        /// A file page's pieces that came through the relay, one (`{n}`).
        pieces_relay_one,
        /// A file page's pieces that came through the relay, other than one.
        pieces_relay_other,
        /// Pieces that came both ways: `{n}` directly (one), `{relay}` through the relay.
        pieces_both_one,
        /// Pieces that came both ways: `{n}` directly (other than one), `{relay}` through the relay.
        pieces_both_other,
        /// The "Relay only" checkbox's label.
        relay_only,
        /// The hint under "Relay only": what a direct connection reveals.
        relay_only_hint,
        /// The tooltip of "Relay only".
        relay_only_title,
        /// The code view's warning when its grammars could not load.
        code_unavailable,
        /// The label of the code view's language picker.
        code_language,
        /// The picker's first option (the language detected), when none is named.
        detect,
        /// The picker's first option with the language detected; `{language}`: its name.
        detect_named,
        /// The picker's first option when the text was detected as plain text.
        detect_plain,
        /// The accessible name of a line number's link; `{n}`: the line.
        line_link,
        /// The code view's hint on linking lines.
        code_hint,
        /// The code view's note on a text too long to highlight.
        code_too_long,
        /// "Your pages"' title for an encrypted page this browser cannot read.
        title_encrypted_page,
        /// "Your pages"' title for encrypted files this browser cannot read.
        title_encrypted_files,
        /// A file page's title: its first file and how many more, one.
        title_more_files_one,
        /// The same, more than one.
        title_more_files_other,
        /// The label of the # link beside a Markdown heading (for screen readers).
        section_link,
    }
}

pub const EN: Page = Page {
    title: "Page {hash}",
    og_title: "A page on Ephemeral P2P",
    og_description: "It lives only in the browsers of the people reading it. Open the link to read it.",
    encrypted: "Encrypted",
    encrypted_title: "Encrypted in the author's browser; the key is in the link after #",
    raw: "Raw",
    raw_title: "The page as plain text over HTTP, fetched from its hosts by the server",
    last_host: "{only} Closing this tab deletes the page. Share the link so someone else keeps it alive.",
    last_host_only: "You are the only host.",
    rejected_one: "Discarded {n} copy that did not match this page's hash.",
    rejected_other: "Discarded {n} copies that did not match this page's hash.",
    locked_still_hosted:
        "Your browser still checked the page against its address and hosts it, unreadable, so you \
                          help keep it alive.",
    password: "Password",
    opening: "Opening…",
    open_page: "Open page",
    status_gated: "This one-time page waits for you to open it: nothing has been fetched yet.",
    status_connecting_author: "Connecting to the relay to share your page…",
    status_connecting: "Connecting to the other visitors…",
    status_waiting: "Asking the other visitors for this page…",
    status_nobody_hosting:
        "Nobody is hosting this page right now. Pages vanish when their last visitor leaves; \
                            if someone who has it comes back, it appears here.",
    status_hosting: "You are hosting this page. Share the link: it lives as long as someone keeps it open.",
    status_reconnecting_host:
        "Connection lost. Reconnecting… You keep hosting this page while this tab stays open.",
    status_reconnecting: "Connection lost. Reconnecting…",
    status_ended: "This page has ended: its author gave it a lifetime, and it is over. Its hosts let it go; \
                   nobody can open it any more.",
    status_read:
        "You have read this one-time page. It came to you alone and is gone from its author: nobody else \
                  can open it. Copy or download what you need before you close this tab.",
    status_delivered:
        "Your one-time page has been opened by its reader. It is gone from this tab too: nobody else \
                       can open it.",
    locked_no_key:
        "This page is encrypted, and the link you opened has no key: the part after “#” is missing. \
                    Ask whoever shared it for the whole link.",
    locked_wrong_key:
        "This page is encrypted, and the link you opened has a different key: it does not open this \
                       page. Ask whoever shared it for the whole link.",
    locked_needs_password:
        "This page is protected by a password as well as its link. Enter the password you were \
                            given.",
    locked_wrong_password:
        "That password does not open this page. Check it (passwords are case-sensitive) and try \
                            again; if it is right, the link may not be whole.",
    locked_malformed: "This page says it is encrypted, but it is not in a form this app can read.",
    locked_no_decryption:
        "This page is encrypted, and this browser cannot decrypt it here: decryption needs a \
                           secure connection (HTTPS).",
    show_as: "Show the page as",
    view_text: "Text",
    view_markdown: "Markdown",
    view_code: "Code",
    edit_as_new: "Edit as a new page",
    edit_as_new_title: "Opens a new page with this text in it; this page stays as it is",
    download: "Download",
    copy_text: "Copy text",
    copied: "Copied",
    written_from: "Written from {page}",
    written_from_page: "page {hash}",
    ended: "This page has ended.",
    ends_in: "This page ends in {time}: then every host lets it go.",
    one_time_heading: "A one-time page",
    one_time_about: "It can be read once, by one reader. When you open it, it comes to you and is gone for \
                     everyone else, its author included. Open it when you are ready to read it.",
    one_time_gone: "Nobody hosts it right now: it may have been read already, or its author has closed it.",
    one_time_open: "Open this one-time page",
    arrived_direct: "Arrived directly from another visitor's browser",
    arrived_relay: "Arrived through the relay",
    arrived_relay_only: "Arrived through the relay (relay only, as chosen)",
    arrived_relay_unsupported: "Arrived through the relay (this browser has no WebRTC)",
    arrived_relay_timeout: "Arrived through the relay (no direct connection in time)",
    arrived_relay_broke: "Arrived through the relay (the direct connection broke)",
    arrived_relay_lied: "Arrived through the relay (a host sent a wrong copy directly, and was dropped)",
    arrived_first_response: "Arrived with the page, through the relay",
    pieces_direct_one: "{n} piece came directly from other visitors' browsers",
    pieces_direct_other: "{n} pieces came directly from other visitors' browsers",
    pieces_relay_one: "{n} piece came through the relay",
    pieces_relay_other: "{n} pieces came through the relay",
    pieces_both_one: "{n} piece came directly from other visitors' browsers, {relay} through the relay",
    pieces_both_other: "{n} pieces came directly from other visitors' browsers, {relay} through the relay",
    relay_only: "Relay only: hide my IP address from other visitors",
    relay_only_hint: "A direct connection shows each browser's IP address to the other.",
    relay_only_title: "Applies to the pages you open from now on",
    code_unavailable:
        "The code view could not load its grammars from the server. The text is shown as it is.",
    code_language: "Language",
    detect: "Detect",
    detect_named: "Detect ({language})",
    detect_plain: "Detect (plain text)",
    line_link: "Line {n}: link to it",
    code_hint: "Select a line number to link to it; Shift selects a range.",
    code_too_long: "Too long to highlight: shown numbered, in plain text.",
    title_encrypted_page: "An encrypted page",
    title_encrypted_files: "Encrypted files",
    title_more_files_one: "{name} and {n} more file",
    title_more_files_other: "{name} and {n} more files",
    section_link: "Link to this section",
};

pub const DE: Page = Page {
    title: "Seite {hash}",
    og_title: "Eine Seite auf Ephemeral P2P",
    og_description: "Sie lebt nur in den Browsern der Menschen, die sie lesen. Öffne den Link, um sie zu lesen.",
    encrypted: "Verschlüsselt",
    encrypted_title: "Im Browser des Autors verschlüsselt; der Schlüssel steht im Link nach #",
    raw: "Rohtext",
    raw_title: "Die Seite als reiner Text über HTTP, vom Server bei ihren Hosts abgerufen",
    last_host: "{only} Wenn du diesen Tab schließt, wird die Seite gelöscht. Teile den Link, damit jemand anderes \
                sie am Leben hält.",
    last_host_only: "Du bist der einzige Host.",
    rejected_one: "{n} Kopie verworfen, die nicht zum Hash dieser Seite passte.",
    rejected_other: "{n} Kopien verworfen, die nicht zum Hash dieser Seite passten.",
    locked_still_hosted: "Dein Browser hat die Seite trotzdem mit ihrer Adresse abgeglichen und hostet sie, \
                          unlesbar – so hilfst du, sie am Leben zu halten.",
    password: "Passwort",
    opening: "Wird geöffnet…",
    open_page: "Seite öffnen",
    status_gated: "Diese Einmal-Seite wartet darauf, dass du sie öffnest: Bisher wurde nichts abgerufen.",
    status_connecting_author: "Verbindung zum Relay wird hergestellt, um deine Seite zu teilen…",
    status_connecting: "Verbindung zu den anderen Besuchern wird hergestellt…",
    status_waiting: "Die anderen Besucher werden nach dieser Seite gefragt…",
    status_nobody_hosting: "Gerade hostet niemand diese Seite. Seiten verschwinden, wenn ihr letzter Besucher \
                            geht; kommt jemand zurück, der sie hat, erscheint sie hier.",
    status_hosting: "Du hostest diese Seite. Teile den Link: Sie lebt, solange jemand sie geöffnet hat.",
    status_reconnecting_host: "Verbindung verloren. Verbindung wird wiederhergestellt… \
                               Du hostest diese Seite weiter, solange dieser Tab offen bleibt.",
    status_reconnecting: "Verbindung verloren. Verbindung wird wiederhergestellt…",
    status_ended: "Diese Seite ist abgelaufen: Ihr Autor hat ihr eine Lebensdauer gegeben, und die ist vorbei. \
                   Ihre Hosts geben sie frei; niemand kann sie mehr öffnen.",
    status_read: "Du hast diese Einmal-Seite gelesen. Sie kam nur zu dir und ist beim Autor verschwunden: Niemand \
                  sonst kann sie öffnen. Kopiere oder lade herunter, was du brauchst, bevor du diesen Tab schließt.",
    status_delivered: "Deine Einmal-Seite wurde von ihrem Leser geöffnet. Auch aus diesem Tab ist sie \
                       verschwunden: Niemand sonst kann sie öffnen.",
    locked_no_key: "Diese Seite ist verschlüsselt, und dem geöffneten Link fehlt der Schlüssel: Der Teil nach „#“ \
                    fehlt. Bitte die Person, die ihn geteilt hat, um den vollständigen Link.",
    locked_wrong_key: "Diese Seite ist verschlüsselt, und der geöffnete Link hat einen anderen Schlüssel: Er \
                       öffnet diese Seite nicht. Bitte die Person, die ihn geteilt hat, um den vollständigen Link.",
    locked_needs_password: "Diese Seite ist zusätzlich zu ihrem Link durch ein Passwort geschützt. Gib das \
                            Passwort ein, das du bekommen hast.",
    locked_wrong_password: "Dieses Passwort öffnet die Seite nicht. Prüfe es (Groß- und Kleinschreibung zählt) \
                            und versuche es noch einmal; stimmt es, ist der Link vielleicht unvollständig.",
    locked_malformed: "Diese Seite gibt an, verschlüsselt zu sein, liegt aber in keiner Form vor, die diese App \
                       lesen kann.",
    locked_no_decryption: "Diese Seite ist verschlüsselt, und dieser Browser kann sie hier nicht entschlüsseln: \
                           Dafür braucht es eine sichere Verbindung (HTTPS).",
    show_as: "Seite anzeigen als",
    view_text: "Text",
    view_markdown: "Markdown",
    view_code: "Code",
    edit_as_new: "Als neue Seite bearbeiten",
    edit_as_new_title: "Öffnet eine neue Seite mit diesem Text; diese Seite bleibt, wie sie ist",
    download: "Herunterladen",
    copy_text: "Text kopieren",
    copied: "Kopiert",
    written_from: "Basiert auf {page}",
    written_from_page: "Seite {hash}",
    ended: "Diese Seite ist abgelaufen.",
    ends_in: "Diese Seite endet in {time}: Dann geben alle Hosts sie frei.",
    one_time_heading: "Eine Einmal-Seite",
    one_time_about: "Sie kann einmal gelesen werden, von einer Person. Wenn du sie öffnest, kommt sie zu dir und \
                     ist für alle anderen verschwunden, auch für ihren Autor. Öffne sie, wenn du bereit bist, sie \
                     zu lesen.",
    one_time_gone: "Gerade hostet sie niemand: Vielleicht wurde sie schon gelesen, oder ihr Autor hat sie \
                    geschlossen.",
    one_time_open: "Diese Einmal-Seite öffnen",
    arrived_direct: "Direkt vom Browser eines anderen Besuchers erhalten",
    arrived_relay: "Über das Relay erhalten",
    arrived_relay_only: "Über das Relay erhalten (nur Relay, wie gewählt)",
    arrived_relay_unsupported: "Über das Relay erhalten (dieser Browser hat kein WebRTC)",
    arrived_relay_timeout: "Über das Relay erhalten (keine rechtzeitige direkte Verbindung)",
    arrived_relay_broke: "Über das Relay erhalten (die direkte Verbindung ist abgebrochen)",
    arrived_relay_lied: "Über das Relay erhalten (ein Host hat direkt eine falsche Kopie geschickt und wurde \
                         getrennt)",
    arrived_first_response: "Mit der Seite erhalten, über das Relay",
    pieces_direct_one: "{n} Teil kam direkt aus den Browsern anderer Besucher",
    pieces_direct_other: "{n} Teile kamen direkt aus den Browsern anderer Besucher",
    pieces_relay_one: "{n} Teil kam über das Relay",
    pieces_relay_other: "{n} Teile kamen über das Relay",
    pieces_both_one: "{n} Teil kam direkt aus den Browsern anderer Besucher, {relay} über das Relay",
    pieces_both_other: "{n} Teile kamen direkt aus den Browsern anderer Besucher, {relay} über das Relay",
    relay_only: "Nur Relay: meine IP-Adresse vor anderen Besuchern verbergen",
    relay_only_hint: "Eine direkte Verbindung zeigt jedem Browser die IP-Adresse des anderen.",
    relay_only_title: "Gilt für die Seiten, die du ab jetzt öffnest",
    code_unavailable: "Die Code-Ansicht konnte ihre Grammatiken nicht vom Server laden. Der Text wird so \
                       angezeigt, wie er ist.",
    code_language: "Sprache",
    detect: "Automatisch",
    detect_named: "Automatisch ({language})",
    detect_plain: "Automatisch (reiner Text)",
    line_link: "Zeile {n}: Link auf diese Zeile",
    code_hint: "Wähle eine Zeilennummer, um auf die Zeile zu verlinken; mit Shift wählst du einen Bereich.",
    code_too_long: "Zu lang zum Hervorheben: nummeriert angezeigt, als reiner Text.",
    title_encrypted_page: "Eine verschlüsselte Seite",
    title_encrypted_files: "Verschlüsselte Dateien",
    title_more_files_one: "{name} und {n} weitere Datei",
    title_more_files_other: "{name} und {n} weitere Dateien",
    section_link: "Link zu diesem Abschnitt",
};

pub const FR: Page = Page {
    title: "Page {hash}",
    og_title: "Une page sur Ephemeral P2P",
    og_description: "Elle ne vit que dans les navigateurs de ceux qui la lisent. Ouvrez le lien pour la lire.",
    encrypted: "Chiffrée",
    encrypted_title: "Chiffrée dans le navigateur de l’auteur\u{a0}; la clé est dans le lien, après #",
    raw: "Brut",
    raw_title: "La page en texte brut via HTTP, récupérée auprès de ses hôtes par le serveur",
    last_host: "{only} Fermer cet onglet supprime la page. Partagez le lien pour que quelqu’un d’autre la garde \
                en vie.",
    last_host_only: "Vous êtes le seul hôte.",
    rejected_one: "{n} copie ne correspondant pas au hachage de cette page a été écartée.",
    rejected_other: "{n} copies ne correspondant pas au hachage de cette page ont été écartées.",
    locked_still_hosted: "Votre navigateur a tout de même vérifié la page par rapport à son adresse et l’héberge, \
                          illisible\u{a0}: vous aidez ainsi à la garder en vie.",
    password: "Mot de passe",
    opening: "Ouverture…",
    open_page: "Ouvrir la page",
    status_gated: "Cette page à lecture unique attend que vous l’ouvriez\u{a0}: rien n’a encore été récupéré.",
    status_connecting_author: "Connexion au relais pour partager votre page…",
    status_connecting: "Connexion aux autres visiteurs…",
    status_waiting: "Demande de cette page aux autres visiteurs…",
    status_nobody_hosting: "Personne n’héberge cette page pour l’instant. Les pages disparaissent quand leur \
                            dernier visiteur s’en va\u{a0}; si quelqu’un qui l’a revient, elle réapparaît ici.",
    status_hosting: "Vous hébergez cette page. Partagez le lien\u{a0}: elle vit tant que quelqu’un la garde \
                     ouverte.",
    status_reconnecting_host: "Connexion perdue. Reconnexion… Vous continuez d’héberger cette page tant que cet \
                               onglet reste ouvert.",
    status_reconnecting: "Connexion perdue. Reconnexion…",
    status_ended: "Cette page a expiré\u{a0}: son auteur lui avait donné une durée de vie, et elle est écoulée. \
                   Ses hôtes la libèrent\u{a0}; plus personne ne peut l’ouvrir.",
    status_read: "Vous avez lu cette page à lecture unique. Elle n’est venue qu’à vous et a disparu de chez son \
                  auteur\u{a0}: personne d’autre ne peut l’ouvrir. Copiez ou téléchargez ce dont vous avez besoin \
                  avant de fermer cet onglet.",
    status_delivered: "Votre page à lecture unique a été ouverte par son lecteur. Elle a aussi disparu de cet \
                       onglet\u{a0}: personne d’autre ne peut l’ouvrir.",
    locked_no_key: "Cette page est chiffrée, et le lien que vous avez ouvert n’a pas de clé\u{a0}: la partie \
                    après «\u{a0}#\u{a0}» manque. Demandez le lien complet à la personne qui l’a partagé.",
    locked_wrong_key: "Cette page est chiffrée, et le lien que vous avez ouvert a une autre clé\u{a0}: elle \
                       n’ouvre pas cette page. Demandez le lien complet à la personne qui l’a partagé.",
    locked_needs_password: "Cette page est protégée par un mot de passe en plus de son lien. Saisissez le mot de \
                            passe qu’on vous a donné.",
    locked_wrong_password: "Ce mot de passe n’ouvre pas cette page. Vérifiez-le (les majuscules comptent) et \
                            réessayez\u{a0}; s’il est correct, le lien est peut-être incomplet.",
    locked_malformed: "Cette page se dit chiffrée, mais elle n’est pas dans une forme que cette application sait \
                       lire.",
    locked_no_decryption: "Cette page est chiffrée, et ce navigateur ne peut pas la déchiffrer ici\u{a0}: le \
                           déchiffrement nécessite une connexion sécurisée (HTTPS).",
    show_as: "Afficher la page en",
    view_text: "Texte",
    view_markdown: "Markdown",
    view_code: "Code",
    edit_as_new: "Modifier comme nouvelle page",
    edit_as_new_title: "Ouvre une nouvelle page contenant ce texte\u{a0}; cette page reste telle quelle",
    download: "Télécharger",
    copy_text: "Copier le texte",
    copied: "Copié",
    written_from: "Écrite à partir de la {page}",
    written_from_page: "page {hash}",
    ended: "Cette page a expiré.",
    ends_in: "Cette page expire dans {time}\u{a0}: ensuite, tous ses hôtes la libèrent.",
    one_time_heading: "Une page à lecture unique",
    one_time_about: "Elle ne peut être lue qu’une fois, par un seul lecteur. Quand vous l’ouvrez, elle vous \
                     parvient et disparaît pour tous les autres, son auteur compris. Ouvrez-la quand vous êtes \
                     prêt à la lire.",
    one_time_gone: "Personne ne l’héberge pour l’instant\u{a0}: elle a peut-être déjà été lue, ou son auteur l’a \
                    fermée.",
    one_time_open: "Ouvrir cette page à lecture unique",
    arrived_direct: "Reçue directement du navigateur d’un autre visiteur",
    arrived_relay: "Reçue via le relais",
    arrived_relay_only: "Reçue via le relais (relais uniquement, selon votre choix)",
    arrived_relay_unsupported: "Reçue via le relais (ce navigateur ne prend pas en charge WebRTC)",
    arrived_relay_timeout: "Reçue via le relais (pas de connexion directe à temps)",
    arrived_relay_broke: "Reçue via le relais (la connexion directe a été coupée)",
    arrived_relay_lied: "Reçue via le relais (un hôte a envoyé une copie erronée en direct et a été écarté)",
    arrived_first_response: "Reçue avec la page, via le relais",
    pieces_direct_one: "{n} morceau est venu directement des navigateurs d’autres visiteurs",
    pieces_direct_other: "{n} morceaux sont venus directement des navigateurs d’autres visiteurs",
    pieces_relay_one: "{n} morceau est venu via le relais",
    pieces_relay_other: "{n} morceaux sont venus via le relais",
    pieces_both_one: "{n} morceau est venu directement des navigateurs d’autres visiteurs, {relay} via le relais",
    pieces_both_other: "{n} morceaux sont venus directement des navigateurs d’autres visiteurs, {relay} via le \
                        relais",
    relay_only: "Relais uniquement\u{a0}: masquer mon adresse IP aux autres visiteurs",
    relay_only_hint: "Une connexion directe montre l’adresse IP de chaque navigateur à l’autre.",
    relay_only_title: "S’applique aux pages que vous ouvrirez désormais",
    code_unavailable: "La vue code n’a pas pu charger ses grammaires depuis le serveur. Le texte est affiché tel \
                       quel.",
    code_language: "Langage",
    detect: "Détection",
    detect_named: "Détection ({language})",
    detect_plain: "Détection (texte brut)",
    line_link: "Ligne {n}\u{a0}: lien vers cette ligne",
    code_hint: "Sélectionnez un numéro de ligne pour créer un lien vers elle\u{a0}; Shift sélectionne une plage.",
    code_too_long: "Trop long pour la coloration\u{a0}: affiché numéroté, en texte brut.",
    title_encrypted_page: "Une page chiffrée",
    title_encrypted_files: "Fichiers chiffrés",
    title_more_files_one: "{name} et {n} autre fichier",
    title_more_files_other: "{name} et {n} autres fichiers",
    section_link: "Lien vers cette section",
};

pub const ES: Page = Page {
    title: "Página {hash}",
    og_title: "Una página en Ephemeral P2P",
    og_description: "Solo vive en los navegadores de quienes la leen. Abre el enlace para leerla.",
    encrypted: "Cifrada",
    encrypted_title: "Cifrada en el navegador del autor; la clave está en el enlace, después de #",
    raw: "Sin formato",
    raw_title: "La página como texto sin formato por HTTP, obtenida de sus anfitriones por el servidor",
    last_host: "{only} Si cierras esta pestaña, la página se borra. Comparte el enlace para que alguien más la \
                mantenga viva.",
    last_host_only: "Eres el único anfitrión.",
    rejected_one: "Se descartó {n} copia que no coincidía con el hash de esta página.",
    rejected_other: "Se descartaron {n} copias que no coincidían con el hash de esta página.",
    locked_still_hosted: "Aun así, tu navegador comprobó la página con su dirección y la aloja, ilegible, así que \
                          ayudas a mantenerla viva.",
    password: "Contraseña",
    opening: "Abriendo…",
    open_page: "Abrir página",
    status_gated: "Esta página de un solo uso espera a que la abras: todavía no se ha descargado nada.",
    status_connecting_author: "Conectando con el relé para compartir tu página…",
    status_connecting: "Conectando con los demás visitantes…",
    status_waiting: "Pidiendo esta página a los demás visitantes…",
    status_nobody_hosting: "Nadie aloja esta página ahora mismo. Las páginas desaparecen cuando su último \
                            visitante se va; si vuelve alguien que la tiene, aparecerá aquí.",
    status_hosting: "Estás alojando esta página. Comparte el enlace: vive mientras alguien la tenga abierta.",
    status_reconnecting_host: "Conexión perdida. Reconectando… Sigues alojando esta página mientras esta pestaña \
                               siga abierta.",
    status_reconnecting: "Conexión perdida. Reconectando…",
    status_ended: "Esta página ha caducado: su autor le fijó una duración y ya terminó. Sus anfitriones la \
                   sueltan; nadie puede abrirla ya.",
    status_read: "Has leído esta página de un solo uso. Te llegó solo a ti y ya no la tiene su autor: nadie más \
                  puede abrirla. Copia o descarga lo que necesites antes de cerrar esta pestaña.",
    status_delivered: "Su lector ha abierto tu página de un solo uso. También ha desaparecido de esta pestaña: \
                       nadie más puede abrirla.",
    locked_no_key: "Esta página está cifrada y el enlace que abriste no tiene clave: falta la parte después de \
                    «#». Pide el enlace completo a quien lo compartió.",
    locked_wrong_key: "Esta página está cifrada y el enlace que abriste tiene otra clave: no abre esta página. \
                       Pide el enlace completo a quien lo compartió.",
    locked_needs_password: "Esta página está protegida con una contraseña además de su enlace. Escribe la \
                            contraseña que te dieron.",
    locked_wrong_password: "Esa contraseña no abre esta página. Revísala (se distinguen mayúsculas y minúsculas) e \
                            inténtalo de nuevo; si es correcta, puede que el enlace no esté completo.",
    locked_malformed: "Esta página dice estar cifrada, pero no tiene un formato que esta aplicación pueda leer.",
    locked_no_decryption: "Esta página está cifrada y este navegador no puede descifrarla aquí: para descifrarla \
                           hace falta una conexión segura (HTTPS).",
    show_as: "Mostrar la página como",
    view_text: "Texto",
    view_markdown: "Markdown",
    view_code: "Código",
    edit_as_new: "Editar como página nueva",
    edit_as_new_title: "Abre una página nueva con este texto; esta página queda como está",
    download: "Descargar",
    copy_text: "Copiar texto",
    copied: "Copiado",
    written_from: "Escrita a partir de la {page}",
    written_from_page: "página {hash}",
    ended: "Esta página ha caducado.",
    ends_in: "Esta página caduca en {time}: después, todos sus anfitriones la sueltan.",
    one_time_heading: "Una página de un solo uso",
    one_time_about: "Solo se puede leer una vez, y por una sola persona. Cuando la abras, te llegará a ti y \
                     desaparecerá para todos los demás, incluido su autor. Ábrela cuando estés listo para leerla.",
    one_time_gone: "Nadie la aloja ahora mismo: puede que ya se haya leído o que su autor la haya cerrado.",
    one_time_open: "Abrir esta página de un solo uso",
    arrived_direct: "Llegó directamente desde el navegador de otro visitante",
    arrived_relay: "Llegó a través del relé",
    arrived_relay_only: "Llegó a través del relé (solo relé, como elegiste)",
    arrived_relay_unsupported: "Llegó a través del relé (este navegador no tiene WebRTC)",
    arrived_relay_timeout: "Llegó a través del relé (no hubo conexión directa a tiempo)",
    arrived_relay_broke: "Llegó a través del relé (la conexión directa se cortó)",
    arrived_relay_lied: "Llegó a través del relé (un anfitrión envió una copia errónea directamente y se \
                         le desconectó)",
    arrived_first_response: "Llegó con la página, a través del relé",
    pieces_direct_one: "{n} fragmento llegó directamente desde los navegadores de otros visitantes",
    pieces_direct_other: "{n} fragmentos llegaron directamente desde los navegadores de otros visitantes",
    pieces_relay_one: "{n} fragmento llegó a través del relé",
    pieces_relay_other: "{n} fragmentos llegaron a través del relé",
    pieces_both_one: "{n} fragmento llegó directamente desde los navegadores de otros visitantes, {relay} a \
                      través del relé",
    pieces_both_other: "{n} fragmentos llegaron directamente desde los navegadores de otros visitantes, {relay} \
                        a través del relé",
    relay_only: "Solo relé: ocultar mi dirección IP a los demás visitantes",
    relay_only_hint: "Una conexión directa muestra a cada navegador la dirección IP del otro.",
    relay_only_title: "Se aplica a las páginas que abras a partir de ahora",
    code_unavailable: "La vista de código no pudo cargar sus gramáticas desde el servidor. El texto se muestra \
                       tal cual.",
    code_language: "Lenguaje",
    detect: "Automático",
    detect_named: "Automático ({language})",
    detect_plain: "Automático (texto sin formato)",
    line_link: "Línea {n}: enlace a esta línea",
    code_hint: "Selecciona un número de línea para enlazarla; Shift selecciona un rango.",
    code_too_long: "Demasiado largo para resaltar: se muestra numerado, en texto sin formato.",
    title_encrypted_page: "Una página cifrada",
    title_encrypted_files: "Archivos cifrados",
    title_more_files_one: "{name} y {n} archivo más",
    title_more_files_other: "{name} y {n} archivos más",
    section_link: "Enlace a esta sección",
};

pub const JA: Page = Page {
    title: "ページ {hash}",
    og_title: "Ephemeral P2P のページ",
    og_description: "このページは、読んでいる人のブラウザの中にだけ存在します。リンクを開いて読んでください。",
    encrypted: "暗号化済み",
    encrypted_title: "作成者のブラウザで暗号化されています。鍵はリンクの # の後ろにあります",
    raw: "生テキスト",
    raw_title: "サーバーがホストから取得した、HTTP で読めるプレーンテキスト版のページ",
    last_host: "{only}このタブを閉じるとページは削除されます。ほかの人が残せるよう、リンクを共有してください。",
    last_host_only: "ホストはあなただけです。",
    rejected_one: "このページのハッシュと一致しないコピーを {n} 件破棄しました。",
    rejected_other: "このページのハッシュと一致しないコピーを {n} 件破棄しました。",
    locked_still_hosted: "それでもこのブラウザはページをアドレスと照合し、読めないままホストしています。\
                          あなたもページを残す手助けをしています。",
    password: "パスワード",
    opening: "開いています…",
    open_page: "ページを開く",
    status_gated: "この一度だけのページは、あなたが開くのを待っています。まだ何も取得していません。",
    status_connecting_author: "ページを共有するため、リレーに接続しています…",
    status_connecting: "ほかの訪問者に接続しています…",
    status_waiting: "ほかの訪問者にこのページを問い合わせています…",
    status_nobody_hosting: "現在、このページをホストしている人はいません。最後の訪問者が去るとページは消えます。\
                            ページを持っている人が戻ってくれば、ここに表示されます。",
    status_hosting: "このページをホストしています。リンクを共有してください。誰かが開いている限り、ページは残ります。",
    status_reconnecting_host: "接続が切れました。再接続しています… このタブを開いている間は、このページをホストし続けます。",
    status_reconnecting: "接続が切れました。再接続しています…",
    status_ended: "このページは終了しました。作成者が設定した有効期間が過ぎ、ホストはページを手放しました。\
                   もう誰も開けません。",
    status_read: "この一度だけのページを読みました。ページはあなたにだけ届き、作成者の手元からも消えました。\
                  ほかの誰も開けません。このタブを閉じる前に、必要な内容をコピーまたはダウンロードしてください。",
    status_delivered: "あなたの一度だけのページは読む人に開かれました。このタブからも消えたため、ほかの誰も開けません。",
    locked_no_key: "このページは暗号化されていますが、開いたリンクに鍵がありません（「#」以降が欠けています）。\
                    共有した人に完全なリンクを送ってもらってください。",
    locked_wrong_key: "このページは暗号化されていますが、開いたリンクの鍵が異なるため、このページを開けません。\
                       共有した人に完全なリンクを送ってもらってください。",
    locked_needs_password: "このページはリンクに加えてパスワードで保護されています。受け取ったパスワードを入力してください。",
    locked_wrong_password: "このパスワードではページを開けません。確認して（大文字と小文字は区別されます）\
                            もう一度お試しください。パスワードが正しい場合は、リンクが欠けている可能性があります。",
    locked_malformed: "このページは暗号化されていることになっていますが、このアプリで読める形式ではありません。",
    locked_no_decryption: "このページは暗号化されていますが、このブラウザではここで復号できません。\
                           復号には安全な接続（HTTPS）が必要です。",
    show_as: "ページの表示形式",
    view_text: "テキスト",
    view_markdown: "Markdown",
    view_code: "コード",
    edit_as_new: "新しいページとして編集",
    edit_as_new_title: "このテキストを入れた新しいページを開きます。このページはそのまま残ります",
    download: "ダウンロード",
    copy_text: "テキストをコピー",
    copied: "コピーしました",
    written_from: "{page} をもとに作成",
    written_from_page: "ページ {hash}",
    ended: "このページは終了しました。",
    ends_in: "このページはあと {time} で終了し、すべてのホストがページを手放します。",
    one_time_heading: "一度だけのページ",
    one_time_about: "このページを読めるのは1人だけ、それも一度だけです。開くとページはあなたに届き、作成者を含む\
                     ほかの全員の手元から消えます。読む準備ができてから開いてください。",
    one_time_gone: "現在ホストしている人がいません。すでに読まれたか、作成者が閉じた可能性があります。",
    one_time_open: "この一度だけのページを開く",
    arrived_direct: "ほかの訪問者のブラウザから直接届きました",
    arrived_relay: "リレー経由で届きました",
    arrived_relay_only: "リレー経由で届きました（選択どおりリレーのみ）",
    arrived_relay_unsupported: "リレー経由で届きました（このブラウザは WebRTC に対応していません）",
    arrived_relay_timeout: "リレー経由で届きました（時間内に直接接続できませんでした）",
    arrived_relay_broke: "リレー経由で届きました（直接接続が切れました）",
    arrived_relay_lied: "リレー経由で届きました（ホストが直接誤ったコピーを送ったため、切断しました）",
    arrived_first_response: "ページと一緒にリレー経由で届きました",
    pieces_direct_one: "{n} 個の断片がほかの訪問者のブラウザから直接届きました",
    pieces_direct_other: "{n} 個の断片がほかの訪問者のブラウザから直接届きました",
    pieces_relay_one: "{n} 個の断片がリレー経由で届きました",
    pieces_relay_other: "{n} 個の断片がリレー経由で届きました",
    pieces_both_one: "{n} 個の断片がほかの訪問者のブラウザから直接、{relay} 個がリレー経由で届きました",
    pieces_both_other: "{n} 個の断片がほかの訪問者のブラウザから直接、{relay} 個がリレー経由で届きました",
    relay_only: "リレーのみ：ほかの訪問者に IP アドレスを隠す",
    relay_only_hint: "直接接続では、それぞれのブラウザの IP アドレスが相手に見えます。",
    relay_only_title: "今後開くページに適用されます",
    code_unavailable: "コード表示用の文法をサーバーから読み込めませんでした。テキストをそのまま表示しています。",
    code_language: "言語",
    detect: "自動検出",
    detect_named: "自動検出（{language}）",
    detect_plain: "自動検出（プレーンテキスト）",
    line_link: "{n} 行目：この行へのリンク",
    code_hint: "行番号を選ぶとその行にリンクできます。Shift で範囲を選択できます。",
    code_too_long: "長すぎるためハイライトできません。行番号付きのプレーンテキストで表示しています。",
    title_encrypted_page: "暗号化されたページ",
    title_encrypted_files: "暗号化されたファイル",
    title_more_files_one: "{name} ほか {n} ファイル",
    title_more_files_other: "{name} ほか {n} ファイル",
    section_link: "このセクションへのリンク",
};
