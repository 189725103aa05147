//! The status page's words in the widget's seven languages. `{reference}` and `{state}` are
//! filled in; every language has every slot its English has (a test checks).

use shared::case::Status;

pub struct Words {
    pub title: &'static str,
    pub state_label: &'static str,
    pub timeline: &'static str,
    pub you_reported: &'static str,
    pub team_replied: &'static str,
    pub you_replied: &'static str,
    pub status_now: &'static str,
    pub you_rated: &'static str,
    pub reply: &'static str,
    pub reply_label: &'static str,
    pub reply_send: &'static str,
    pub reply_added: &'static str,
    pub rate: &'static str,
    pub rate_send: &'static str,
    pub thanks: &'static str,
    pub sorry: &'static str,
    pub optional: &'static str,
    pub other: &'static str,
    pub closed: &'static str,
    pub privacy: &'static str,
    pub problem: &'static str,
    pub not_found_title: &'static str,
    pub not_found: &'static str,
    /// new, open, in_progress, waiting_on_customer, resolved, closed, reopened, merged; a case
    /// marked spam reads as closed.
    pub states: [&'static str; 8],
}

impl Words {
    /// Where the case is, in the customer's words.
    pub fn state(&self, status: Status) -> &'static str {
        let i = match status {
            Status::New => 0,
            Status::Open => 1,
            Status::InProgress => 2,
            Status::WaitingOnCustomer => 3,
            Status::Resolved => 4,
            Status::Closed | Status::Spam => 5,
            Status::Reopened => 6,
            Status::Merged => 7,
        };
        self.states[i]
    }
}

/// The words of `lang`, one of `shared::i18n::LANGS` (anything else is English).
pub fn words(lang: &str) -> &'static Words {
    match lang {
        "de" => &DE,
        "fr" => &FR,
        "es" => &ES,
        "pt" => &PT,
        "ja" => &JA,
        "ar" => &AR,
        _ => &EN,
    }
}

const EN: Words = Words {
    title: "Your report {reference}",
    state_label: "Status",
    timeline: "What happened",
    you_reported: "You reported",
    team_replied: "We replied",
    you_replied: "You replied",
    status_now: "Status: {state}",
    you_rated: "You rated the resolution",
    reply: "Reply",
    reply_label: "Your message",
    reply_send: "Send reply",
    reply_added: "Your reply was added. We will get back to you.",
    rate: "How did we do?",
    rate_send: "Send rating",
    thanks: "Thank you for your rating. We are glad we could help.",
    sorry: "Thank you for telling us. We are sorry it did not go well, and we have reopened your case.",
    optional: "optional",
    other: "Other",
    closed: "This case is closed. To report something new, use the feedback button on the site.",
    privacy: "This page is private: anyone with its link can read it, so please do not share the link.",
    problem: "That did not work:",
    not_found_title: "Page not found",
    not_found: "This link does not open a case. It may have expired; the latest e-mail about your case has a fresh link.",
    states: [
        "Received",
        "Received",
        "We are working on it",
        "Waiting for your reply",
        "Resolved",
        "Closed",
        "Reopened: we are looking at it again",
        "Handled together with a related report",
    ],
};

const DE: Words = Words {
    title: "Ihre Meldung {reference}",
    state_label: "Status",
    timeline: "Verlauf",
    you_reported: "Sie haben gemeldet",
    team_replied: "Unsere Antwort",
    you_replied: "Ihre Antwort",
    status_now: "Status: {state}",
    you_rated: "Sie haben die Lösung bewertet",
    reply: "Antworten",
    reply_label: "Ihre Nachricht",
    reply_send: "Antwort senden",
    reply_added: "Ihre Antwort wurde hinzugefügt. Wir melden uns bei Ihnen.",
    rate: "Wie haben wir das gemacht?",
    rate_send: "Bewertung senden",
    thanks: "Vielen Dank für Ihre Bewertung. Schön, dass wir helfen konnten.",
    sorry: "Danke, dass Sie uns das sagen. Es tut uns leid, dass es nicht gut lief – wir haben Ihren Fall wieder geöffnet.",
    optional: "optional",
    other: "Sonstiges",
    closed: "Dieser Fall ist abgeschlossen. Für eine neue Meldung nutzen Sie bitte den Feedback-Knopf auf der Website.",
    privacy: "Diese Seite ist privat: Jeder mit dem Link kann sie lesen. Bitte geben Sie den Link nicht weiter.",
    problem: "Das hat nicht geklappt:",
    not_found_title: "Seite nicht gefunden",
    not_found: "Dieser Link öffnet keinen Fall. Vielleicht ist er abgelaufen; die neueste E-Mail zu Ihrem Fall enthält einen neuen Link.",
    states: [
        "Eingegangen",
        "Eingegangen",
        "Wir arbeiten daran",
        "Wartet auf Ihre Antwort",
        "Gelöst",
        "Abgeschlossen",
        "Wieder geöffnet: Wir sehen es uns erneut an",
        "Zusammen mit einer ähnlichen Meldung bearbeitet",
    ],
};

const FR: Words = Words {
    title: "Votre signalement {reference}",
    state_label: "État",
    timeline: "Historique",
    you_reported: "Vous avez signalé",
    team_replied: "Notre réponse",
    you_replied: "Votre réponse",
    status_now: "État : {state}",
    you_rated: "Vous avez évalué la résolution",
    reply: "Répondre",
    reply_label: "Votre message",
    reply_send: "Envoyer la réponse",
    reply_added: "Votre réponse a été ajoutée. Nous reviendrons vers vous.",
    rate: "Comment nous en sommes-nous sortis ?",
    rate_send: "Envoyer l'évaluation",
    thanks: "Merci pour votre évaluation. Nous sommes heureux d'avoir pu vous aider.",
    sorry: "Merci de nous l'avoir dit. Nous sommes désolés que cela se soit mal passé : nous avons rouvert votre dossier.",
    optional: "facultatif",
    other: "Autre",
    closed: "Ce dossier est clos. Pour signaler autre chose, utilisez le bouton d'avis du site.",
    privacy: "Cette page est privée : toute personne disposant du lien peut la lire. Merci de ne pas partager ce lien.",
    problem: "Cela n'a pas fonctionné :",
    not_found_title: "Page introuvable",
    not_found: "Ce lien n'ouvre aucun dossier. Il a peut-être expiré ; le dernier e-mail concernant votre dossier contient un nouveau lien.",
    states: [
        "Reçu",
        "Reçu",
        "Nous y travaillons",
        "En attente de votre réponse",
        "Résolu",
        "Clos",
        "Rouvert : nous l'examinons de nouveau",
        "Traité avec un signalement similaire",
    ],
};

const ES: Words = Words {
    title: "Su reporte {reference}",
    state_label: "Estado",
    timeline: "Historial",
    you_reported: "Usted reportó",
    team_replied: "Nuestra respuesta",
    you_replied: "Su respuesta",
    status_now: "Estado: {state}",
    you_rated: "Usted valoró la solución",
    reply: "Responder",
    reply_label: "Su mensaje",
    reply_send: "Enviar respuesta",
    reply_added: "Su respuesta se añadió. Nos pondremos en contacto con usted.",
    rate: "¿Qué tal lo hicimos?",
    rate_send: "Enviar valoración",
    thanks: "Gracias por su valoración. Nos alegra haber podido ayudarle.",
    sorry: "Gracias por decírnoslo. Sentimos que no saliera bien; hemos reabierto su caso.",
    optional: "opcional",
    other: "Otro",
    closed: "Este caso está cerrado. Para reportar algo nuevo, use el botón de opiniones del sitio.",
    privacy: "Esta página es privada: cualquiera con el enlace puede leerla, así que no lo comparta.",
    problem: "No funcionó:",
    not_found_title: "Página no encontrada",
    not_found: "Este enlace no abre ningún caso. Puede que haya caducado; el último correo sobre su caso trae un enlace nuevo.",
    states: [
        "Recibido",
        "Recibido",
        "Estamos trabajando en ello",
        "Esperando su respuesta",
        "Resuelto",
        "Cerrado",
        "Reabierto: lo estamos revisando de nuevo",
        "Tratado junto con un reporte similar",
    ],
};

const PT: Words = Words {
    title: "A sua ocorrência {reference}",
    state_label: "Estado",
    timeline: "Histórico",
    you_reported: "Você reportou",
    team_replied: "A nossa resposta",
    you_replied: "A sua resposta",
    status_now: "Estado: {state}",
    you_rated: "Você avaliou a resolução",
    reply: "Responder",
    reply_label: "A sua mensagem",
    reply_send: "Enviar resposta",
    reply_added: "A sua resposta foi adicionada. Entraremos em contacto.",
    rate: "Como nos saímos?",
    rate_send: "Enviar avaliação",
    thanks: "Obrigado pela sua avaliação. Ficamos contentes por ter ajudado.",
    sorry: "Obrigado por nos dizer. Lamentamos que não tenha corrido bem; reabrimos o seu caso.",
    optional: "opcional",
    other: "Outro",
    closed: "Este caso está encerrado. Para reportar algo novo, use o botão de feedback do site.",
    privacy: "Esta página é privada: qualquer pessoa com a ligação pode lê-la, por isso não a partilhe.",
    problem: "Não funcionou:",
    not_found_title: "Página não encontrada",
    not_found: "Esta ligação não abre nenhum caso. Pode ter expirado; o e-mail mais recente sobre o seu caso traz uma ligação nova.",
    states: [
        "Recebido",
        "Recebido",
        "Estamos a tratar disso",
        "À espera da sua resposta",
        "Resolvido",
        "Encerrado",
        "Reaberto: estamos a analisá-lo de novo",
        "Tratado em conjunto com uma ocorrência semelhante",
    ],
};

const JA: Words = Words {
    title: "お問い合わせ {reference}",
    state_label: "状況",
    timeline: "経緯",
    you_reported: "お客様からの報告",
    team_replied: "担当者からの返信",
    you_replied: "お客様からの返信",
    status_now: "状況: {state}",
    you_rated: "解決を評価しました",
    reply: "返信",
    reply_label: "メッセージ",
    reply_send: "返信を送信",
    reply_added: "返信を追加しました。担当者からご連絡します。",
    rate: "対応はいかがでしたか？",
    rate_send: "評価を送信",
    thanks: "ご評価ありがとうございます。お役に立てて嬉しいです。",
    sorry: "お知らせいただきありがとうございます。ご満足いただけず申し訳ありません。案件を再度開きました。",
    optional: "任意",
    other: "その他",
    closed: "この案件は終了しました。新しい報告はサイトのフィードバックボタンからお送りください。",
    privacy: "このページは非公開です。リンクを知っている人は誰でも閲覧できるため、リンクを共有しないでください。",
    problem: "うまくいきませんでした:",
    not_found_title: "ページが見つかりません",
    not_found: "このリンクでは案件を開けません。期限切れの可能性があります。案件に関する最新のメールに新しいリンクがあります。",
    states: [
        "受付済み",
        "受付済み",
        "対応中",
        "お客様の返信待ち",
        "解決済み",
        "終了",
        "再開: もう一度確認しています",
        "関連する報告とまとめて対応しました",
    ],
};

const AR: Words = Words {
    title: "بلاغك {reference}",
    state_label: "الحالة",
    timeline: "ما جرى",
    you_reported: "أبلغتَ",
    team_replied: "ردُّنا",
    you_replied: "ردُّك",
    status_now: "الحالة: {state}",
    you_rated: "قيّمتَ الحل",
    reply: "الرد",
    reply_label: "رسالتك",
    reply_send: "إرسال الرد",
    reply_added: "أُضيف ردك. سنعود إليك قريبًا.",
    rate: "كيف كان أداؤنا؟",
    rate_send: "إرسال التقييم",
    thanks: "شكرًا لتقييمك. يسعدنا أننا استطعنا المساعدة.",
    sorry: "شكرًا لإخبارنا. نأسف لأن الأمر لم يسر على ما يرام، وقد أعدنا فتح حالتك.",
    optional: "اختياري",
    other: "أخرى",
    closed: "أُغلقت هذه الحالة. للإبلاغ عن أمر جديد، استخدم زر الملاحظات في الموقع.",
    privacy: "هذه الصفحة خاصة: يمكن لأي شخص لديه الرابط قراءتها، لذا يرجى عدم مشاركة الرابط.",
    problem: "لم ينجح ذلك:",
    not_found_title: "الصفحة غير موجودة",
    not_found: "هذا الرابط لا يفتح أي حالة. ربما انتهت صلاحيته؛ يحتوي أحدث بريد إلكتروني عن حالتك على رابط جديد.",
    states: [
        "تم الاستلام",
        "تم الاستلام",
        "نعمل عليه",
        "بانتظار ردك",
        "تم الحل",
        "مغلقة",
        "أُعيد فتحها: نراجعها من جديد",
        "عولجت مع بلاغ مشابه",
    ],
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_language_has_every_word_and_slot() {
        let slots = |s: &str| {
            let mut v: Vec<&str> = ["{reference}", "{state}"]
                .into_iter()
                .filter(|x| s.contains(x))
                .collect();
            v.sort();
            v
        };
        for lang in shared::i18n::LANGS {
            let w = words(lang);
            assert_eq!(slots(w.title), slots(EN.title), "{lang}");
            assert_eq!(slots(w.status_now), slots(EN.status_now), "{lang}");
            for s in [w.reply_send, w.rate_send, w.not_found, w.privacy, w.sorry] {
                assert!(!s.is_empty(), "{lang}");
            }
            assert!(w.states.iter().all(|s| !s.is_empty()), "{lang}");
            if lang != "en" {
                assert_ne!(w.rate_send, EN.rate_send, "{lang} is translated");
            }
        }
        assert_eq!(words("ar").state(Status::Resolved), "تم الحل");
        assert_eq!(words("xx").state(Status::Spam), "Closed");
    }
}
