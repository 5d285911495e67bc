//! A file page's texts, in every language: the download's progress, its
//! buttons, and why a file could not be saved or previewed.

texts! {
    /// A file page's files.
    pub struct Files {
        /// The aria-label of the files' section.
        label,
        /// The aria-label of the download's progress bar.
        downloaded,
        /// The progress line ({held} and {total}: sizes; {percent}: a whole number).
        progress,
        /// The progress line while it downloads at a known speed ({speed}: a size; {left}: a time).
        progress_speed,
        /// After the progress line: the other hosts, one (" · 1 other host").
        others_one,
        /// After the progress line: the other hosts, other counts (" · 3 other hosts").
        others_other,
        /// The button that pauses the download.
        pause,
        /// The button that resumes the paused download.
        resume,
        /// The button that saves every file.
        save_all,
        /// The button that saves one file.
        save,
        /// A file does not open with the link's key.
        wrong_key,
        /// A file could not be read back from the browser's storage.
        storage,
    }
}

pub const EN: Files = Files {
    label: "Files",
    downloaded: "Downloaded",
    progress: "{held} of {total} · {percent}%",
    progress_speed: "{held} of {total} · {percent}% · {speed}/s · {left} left",
    others_one: " · {n} other host",
    others_other: " · {n} other hosts",
    pause: "Pause",
    resume: "Resume",
    save_all: "Save all",
    save: "Save",
    wrong_key: "A file does not open with this link's key. Ask whoever shared it for the whole link.",
    storage:
        "A file could not be read back from this browser's storage. Reload the page to fetch what is missing.",
};

pub const DE: Files = Files {
    label: "Dateien",
    downloaded: "Heruntergeladen",
    progress: "{held} von {total} · {percent}\u{a0}%",
    progress_speed: "{held} von {total} · {percent}\u{a0}% · {speed}/s · noch {left}",
    others_one: " · {n} weiterer Host",
    others_other: " · {n} weitere Hosts",
    pause: "Pausieren",
    resume: "Fortsetzen",
    save_all: "Alle speichern",
    save: "Speichern",
    wrong_key: "Eine Datei lässt sich mit dem Schlüssel dieses Links nicht öffnen. Bitte die Person, die ihn geteilt hat, um den vollständigen Link.",
    storage: "Eine Datei konnte nicht aus dem Speicher dieses Browsers gelesen werden. Lade die Seite neu, um das Fehlende zu holen.",
};

pub const FR: Files = Files {
    label: "Fichiers",
    downloaded: "Téléchargé",
    progress: "{held} sur {total} · {percent}\u{202f}%",
    progress_speed: "{held} sur {total} · {percent}\u{202f}% · {speed}/s · encore {left}",
    others_one: " · {n} autre hôte",
    others_other: " · {n} autres hôtes",
    pause: "Suspendre",
    resume: "Reprendre",
    save_all: "Tout enregistrer",
    save: "Enregistrer",
    wrong_key: "Un fichier ne s’ouvre pas avec la clé de ce lien. Demandez le lien complet à la personne qui l’a partagé.",
    storage: "Un fichier n’a pas pu être relu depuis le stockage de ce navigateur. Rechargez la page pour récupérer ce qui manque.",
};

pub const ES: Files = Files {
    label: "Archivos",
    downloaded: "Descargado",
    progress: "{held} de {total} · {percent}\u{a0}%",
    progress_speed: "{held} de {total} · {percent}\u{a0}% · {speed}/s · quedan {left}",
    others_one: " · {n} anfitrión más",
    others_other: " · {n} anfitriones más",
    pause: "Pausar",
    resume: "Reanudar",
    save_all: "Guardar todo",
    save: "Guardar",
    wrong_key: "Un archivo no se abre con la clave de este enlace. Pide el enlace completo a quien lo compartió.",
    storage: "No se pudo volver a leer un archivo del almacenamiento de este navegador. Recarga la página para obtener lo que falta.",
};

pub const JA: Files = Files {
    label: "ファイル",
    downloaded: "ダウンロード済み",
    progress: "{total} 中 {held} · {percent}%",
    progress_speed: "{total} 中 {held} · {percent}% · {speed}/秒 · 残り {left}",
    others_one: " · ほかのホスト {n} 台",
    others_other: " · ほかのホスト {n} 台",
    pause: "一時停止",
    resume: "再開",
    save_all: "すべて保存",
    save: "保存",
    wrong_key: "このリンクの鍵ではファイルを開けません。共有した人に完全なリンクを送ってもらってください。",
    storage: "このブラウザのストレージからファイルを読み出せませんでした。ページを再読み込みして、足りない部分を取得してください。",
};
