//! "Your pages", sharing a link, keeping a copy, keeping the screen awake,
//! and the words of times and sizes (`crate::format`), in every language.

texts! {
    /// The texts of the homepage's list, sharing, keeping and times.
    pub struct Lists {
        /// The heading of the homepage's list of this browser's pages.
        your_pages,
        /// The note beside that heading.
        your_pages_note,
        /// The button that takes back "Forget all" before it is confirmed.
        cancel,
        /// The button that forgets every listed page (first press).
        forget_all,
        /// That button once pressed, asking to confirm, for one page ("Forget all 1 page").
        forget_all_one,
        /// That button once pressed, asking to confirm, for other counts ("Forget all 2 pages").
        forget_all_other,
        /// A listed page's line: when this browser created it ("created 5 min ago").
        created_ago,
        /// A listed page's line: when this browser last opened it ("opened yesterday").
        opened_ago,
        /// A listed page's live count when nobody hosts it.
        no_hosts,
        /// The badge of a listed page whose copy is kept in this browser.
        copy_kept,
        /// The button that forgets one listed page.
        forget,
        /// That button's accessible name, with the page's title.
        forget_page,
        /// The button that copies the page's link.
        copy_link,
        /// That button for a moment after the link was copied.
        link_copied,
        /// The button that opens the share panel.
        share,
        /// The title the system share sheet gets, with the page's short hash.
        share_title,
        /// The accessible name of the QR code in the share panel.
        qr_label,
        /// In the share panel instead of a QR code, for a link too long for one.
        qr_too_long,
        /// The share panel's explanation, for a page without a key.
        scan_plain,
        /// The share panel's explanation, for an encrypted page (its key is in the link).
        scan_encrypted,
        /// The share panel's button that opens the system share sheet.
        share_sheet,
        /// The label of the "keep a copy" checkbox on a page view.
        keep_copy,
        /// The tooltip of that checkbox.
        keep_copy_title,
        /// After that label once the copy is stored (starts with a dash).
        keep_status,
        /// The label of the "keep this screen awake" checkbox (this tab is the only host).
        stay_awake,
        /// The hint under that checkbox.
        stay_awake_hint,
        /// A time less than a minute ago.
        just_now,
        /// A time minutes ago ("5 min ago").
        minutes_ago,
        /// A time hours ago ("3 h ago").
        hours_ago,
        /// A time a day ago.
        yesterday,
        /// A time days ago, two or more ("3 days ago").
        days_ago,
        /// Seconds in a duration left ("4 s").
        seconds_short,
        /// Minutes in a duration left ("2 min").
        minutes_short,
        /// Hours in a duration left ("1 h").
        hours_short,
        /// Days in a duration left ("7 d").
        days_short,
    }
}

pub const EN: Lists = Lists {
    your_pages: "Your pages",
    your_pages_note: "Listed in this browser only, never sent anywhere.",
    cancel: "Cancel",
    forget_all: "Forget all",
    forget_all_one: "Forget all {n} page",
    forget_all_other: "Forget all {n} pages",
    created_ago: "created {time}",
    opened_ago: "opened {time}",
    no_hosts: "no hosts",
    copy_kept: "Copy kept",
    forget: "Forget",
    forget_page: "Forget “{title}”",
    copy_link: "Copy link",
    link_copied: "Link copied",
    share: "Share",
    share_title: "Page {hash}",
    qr_label: "QR code of this page's link",
    qr_too_long: "This link is too long for a QR code.",
    scan_plain: "Scan it to open this page on another device. The code holds the whole link.",
    scan_encrypted: "Scan it to open this page on another device. The code holds the whole link, key included: share it only with people who may read the page.",
    share_sheet: "Share…",
    keep_copy: "Keep a copy in this browser",
    keep_copy_title: "Kept in this browser's storage only. Whenever this site is open in a tab, this browser hosts the page again.",
    keep_status: " — kept: this browser hosts it whenever the site is open",
    stay_awake: "Keep this screen awake while this tab is the only host",
    stay_awake_hint: "A phone that goes to sleep stops hosting, and the page is gone for everyone.",
    just_now: "just now",
    minutes_ago: "{n} min ago",
    hours_ago: "{n} h ago",
    yesterday: "yesterday",
    days_ago: "{n} days ago",
    seconds_short: "{n} s",
    minutes_short: "{n} min",
    hours_short: "{n} h",
    days_short: "{n} d",
};

pub const DE: Lists = Lists {
    your_pages: "Deine Seiten",
    your_pages_note: "Nur in diesem Browser aufgelistet, nie irgendwohin gesendet.",
    cancel: "Abbrechen",
    forget_all: "Alle vergessen",
    forget_all_one: "{n} Seite vergessen",
    forget_all_other: "Alle {n} Seiten vergessen",
    created_ago: "erstellt {time}",
    opened_ago: "geöffnet {time}",
    no_hosts: "keine Hosts",
    copy_kept: "Kopie gespeichert",
    forget: "Vergessen",
    forget_page: "„{title}“ vergessen",
    copy_link: "Link kopieren",
    link_copied: "Link kopiert",
    share: "Teilen",
    share_title: "Seite {hash}",
    qr_label: "QR-Code des Links dieser Seite",
    qr_too_long: "Dieser Link ist zu lang für einen QR-Code.",
    scan_plain: "Scanne den Code, um diese Seite auf einem anderen Gerät zu öffnen. Er enthält den vollständigen Link.",
    scan_encrypted: "Scanne den Code, um diese Seite auf einem anderen Gerät zu öffnen. Er enthält den vollständigen Link samt Schlüssel: Teile ihn nur mit Leuten, die die Seite lesen dürfen.",
    share_sheet: "Teilen…",
    keep_copy: "Eine Kopie in diesem Browser behalten",
    keep_copy_title: "Nur im Speicher dieses Browsers behalten. Immer wenn diese Website in einem Tab offen ist, hostet dieser Browser die Seite wieder.",
    keep_status: " — behalten: Dieser Browser hostet sie, wann immer die Website offen ist",
    stay_awake: "Bildschirm aktiv halten, solange dieser Tab der einzige Host ist",
    stay_awake_hint: "Ein Handy, das in den Ruhezustand geht, hört auf zu hosten, und die Seite ist für alle weg.",
    just_now: "gerade eben",
    minutes_ago: "vor {n} Min.",
    hours_ago: "vor {n} Std.",
    yesterday: "gestern",
    days_ago: "vor {n} Tagen",
    seconds_short: "{n} Sek.",
    minutes_short: "{n} Min.",
    hours_short: "{n} Std.",
    days_short: "{n} Tg.",
};

pub const FR: Lists = Lists {
    your_pages: "Vos pages",
    your_pages_note: "Listées dans ce navigateur uniquement, jamais envoyées ailleurs.",
    cancel: "Annuler",
    forget_all: "Tout oublier",
    forget_all_one: "Oublier {n} page",
    forget_all_other: "Oublier les {n} pages",
    created_ago: "créée {time}",
    opened_ago: "ouverte {time}",
    no_hosts: "aucun hôte",
    copy_kept: "Copie conservée",
    forget: "Oublier",
    forget_page: "Oublier «\u{a0}{title}\u{a0}»",
    copy_link: "Copier le lien",
    link_copied: "Lien copié",
    share: "Partager",
    share_title: "Page {hash}",
    qr_label: "Code QR du lien de cette page",
    qr_too_long: "Ce lien est trop long pour un code QR.",
    scan_plain: "Scannez-le pour ouvrir cette page sur un autre appareil. Le code contient le lien complet.",
    scan_encrypted: "Scannez-le pour ouvrir cette page sur un autre appareil. Le code contient le lien complet, clé comprise\u{a0}: ne le partagez qu’avec les personnes autorisées à lire la page.",
    share_sheet: "Partager…",
    keep_copy: "Garder une copie dans ce navigateur",
    keep_copy_title: "Conservée uniquement dans le stockage de ce navigateur. Dès que ce site est ouvert dans un onglet, ce navigateur héberge à nouveau la page.",
    keep_status: " — conservée\u{a0}: ce navigateur l’héberge dès que le site est ouvert",
    stay_awake: "Garder l’écran allumé tant que cet onglet est le seul hôte",
    stay_awake_hint: "Un téléphone qui se met en veille cesse d’héberger, et la page disparaît pour tout le monde.",
    just_now: "à l’instant",
    minutes_ago: "il y a {n} min",
    hours_ago: "il y a {n} h",
    yesterday: "hier",
    days_ago: "il y a {n} jours",
    seconds_short: "{n} s",
    minutes_short: "{n} min",
    hours_short: "{n} h",
    days_short: "{n} j",
};

pub const ES: Lists = Lists {
    your_pages: "Tus páginas",
    your_pages_note: "Solo se listan en este navegador, nunca se envían a ningún sitio.",
    cancel: "Cancelar",
    forget_all: "Olvidar todas",
    forget_all_one: "Olvidar {n} página",
    forget_all_other: "Olvidar las {n} páginas",
    created_ago: "creada {time}",
    opened_ago: "abierta {time}",
    no_hosts: "sin anfitriones",
    copy_kept: "Copia guardada",
    forget: "Olvidar",
    forget_page: "Olvidar «{title}»",
    copy_link: "Copiar enlace",
    link_copied: "Enlace copiado",
    share: "Compartir",
    share_title: "Página {hash}",
    qr_label: "Código QR del enlace de esta página",
    qr_too_long: "Este enlace es demasiado largo para un código QR.",
    scan_plain: "Escanéalo para abrir esta página en otro dispositivo. El código contiene el enlace completo.",
    scan_encrypted: "Escanéalo para abrir esta página en otro dispositivo. El código contiene el enlace completo, clave incluida: compártelo solo con quien pueda leer la página.",
    share_sheet: "Compartir…",
    keep_copy: "Guardar una copia en este navegador",
    keep_copy_title: "Se guarda solo en el almacenamiento de este navegador. Siempre que este sitio esté abierto en una pestaña, este navegador vuelve a alojar la página.",
    keep_status: " — guardada: este navegador la aloja siempre que el sitio esté abierto",
    stay_awake: "Mantener la pantalla encendida mientras esta pestaña sea el único anfitrión",
    stay_awake_hint: "Un teléfono que entra en reposo deja de alojarla, y la página desaparece para todos.",
    just_now: "ahora mismo",
    minutes_ago: "hace {n} min",
    hours_ago: "hace {n} h",
    yesterday: "ayer",
    days_ago: "hace {n} días",
    seconds_short: "{n} s",
    minutes_short: "{n} min",
    hours_short: "{n} h",
    days_short: "{n} d",
};

pub const JA: Lists = Lists {
    your_pages: "あなたのページ",
    your_pages_note: "このブラウザにだけ記録され、どこにも送信されません。",
    cancel: "キャンセル",
    forget_all: "すべて消去",
    forget_all_one: "{n} 件のページをすべて消去",
    forget_all_other: "{n} 件のページをすべて消去",
    created_ago: "作成 {time}",
    opened_ago: "閲覧 {time}",
    no_hosts: "ホストなし",
    copy_kept: "コピー保存済み",
    forget: "消去",
    forget_page: "「{title}」を消去",
    copy_link: "リンクをコピー",
    link_copied: "リンクをコピーしました",
    share: "共有",
    share_title: "ページ {hash}",
    qr_label: "このページのリンクの QR コード",
    qr_too_long: "このリンクは長すぎるため QR コードにできません。",
    scan_plain: "読み取ると、別の端末でこのページを開けます。コードには完全なリンクが含まれています。",
    scan_encrypted: "読み取ると、別の端末でこのページを開けます。コードには鍵を含む完全なリンクが含まれています。ページを読んでよい人とだけ共有してください。",
    share_sheet: "共有…",
    keep_copy: "このブラウザにコピーを保存",
    keep_copy_title: "このブラウザのストレージにだけ保存されます。このサイトをタブで開いているあいだ、このブラウザがページを再びホストします。",
    keep_status: " — 保存済み：サイトを開いているあいだ、このブラウザがホストします",
    stay_awake: "このタブが唯一のホストのあいだ、画面をスリープさせない",
    stay_awake_hint: "スマートフォンがスリープするとホストが止まり、ページは全員から消えてしまいます。",
    just_now: "たった今",
    minutes_ago: "{n} 分前",
    hours_ago: "{n} 時間前",
    yesterday: "昨日",
    days_ago: "{n} 日前",
    seconds_short: "{n} 秒",
    minutes_short: "{n} 分",
    hours_short: "{n} 時間",
    days_short: "{n} 日",
};
