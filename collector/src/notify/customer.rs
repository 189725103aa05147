//! The e-mails a customer gets about their own case, only with their consent and to the address
//! they gave, in the language they filed it in: it was received, the team replied, it was
//! resolved (with the invitation to rate it). Each links to the case's status page; the link's
//! token is put in when the message is sent (`closing::TOKEN_SLOT`), so no stored message holds
//! one.

use super::templates::{fill, shorten, Email};
use crate::closing::TOKEN_SLOT;
use crate::html::escape;

/// What the customer is told.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CustomerEvent {
    Received,
    /// The team's public reply, in its words.
    Replied {
        body: String,
    },
    Resolved,
}

/// A customer's e-mail about case `reference`, whose status page is `public_url/c/…`.
pub fn render(event: &CustomerEvent, reference: &str, public_url: &str, lang: &str) -> Email {
    let lang = shared::i18n::pick(lang);
    let w = words(lang);
    let (subject, lead, action, anchor) = match event {
        CustomerEvent::Received => (w.received_subject, w.received_lead, w.follow, ""),
        CustomerEvent::Replied { .. } => (w.replied_subject, w.replied_lead, w.read_reply, ""),
        CustomerEvent::Resolved => (w.resolved_subject, w.resolved_lead, w.rate, "#rate"),
    };
    let slots = [("reference", reference)];
    let (subject, lead) = (fill(subject, &slots), fill(lead, &slots));
    let link = format!("{public_url}/c/{TOKEN_SLOT}{anchor}");
    let quoted = match event {
        CustomerEvent::Replied { body } => Some(shorten(body)),
        _ => None,
    };
    let mut text = format!("{lead}\n\n");
    if let Some(q) = &quoted {
        for line in q.lines() {
            text.push_str("> ");
            text.push_str(line);
            text.push('\n');
        }
        text.push('\n');
    }
    text.push_str(&format!("{action}: {link}\n\n-- \n{}\n", w.footer));
    let dir = if shared::i18n::is_rtl(lang) {
        "rtl"
    } else {
        "ltr"
    };
    let mut html = format!(
        "<!DOCTYPE html>\n<html lang=\"{lang}\" dir=\"{dir}\">\n<head><meta charset=\"utf-8\"><title>{}</title></head>\n<body style=\"font-family: sans-serif; line-height: 1.5\">\n<p>{}</p>\n",
        escape(&subject),
        escape(&lead)
    );
    if let Some(q) = &quoted {
        html.push_str(&format!(
            "<blockquote style=\"white-space: pre-wrap; border-inline-start: 3px solid #ccc; margin: 0; padding-inline-start: 1em\">{}</blockquote>\n",
            escape(q)
        ));
    }
    // The link is the collector's own URL and a token of base64url characters: nothing to
    // escape but the URL as configured.
    html.push_str(&format!(
        "<p><a href=\"{}\">{}</a></p>\n<p style=\"color: #666; font-size: smaller\">{}</p>\n</body>\n</html>\n",
        escape(&link),
        escape(action),
        escape(w.footer)
    ));
    Email {
        lang,
        subject,
        text,
        html,
    }
}

struct Words {
    received_subject: &'static str,
    received_lead: &'static str,
    replied_subject: &'static str,
    replied_lead: &'static str,
    resolved_subject: &'static str,
    resolved_lead: &'static str,
    follow: &'static str,
    read_reply: &'static str,
    rate: &'static str,
    footer: &'static str,
}

fn words(lang: &str) -> &'static Words {
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
    received_subject: "We received your report {reference}",
    received_lead: "Thank you for telling us. Your report {reference} is with our team, and you can follow it on its page.",
    replied_subject: "New reply to your report {reference}",
    replied_lead: "We replied to your report {reference}:",
    resolved_subject: "Your report {reference} is resolved",
    resolved_lead: "We resolved your report {reference}. How did we do? Rating it takes a minute.",
    follow: "Follow your case",
    read_reply: "Read and reply",
    rate: "Rate the resolution",
    footer: "You get these e-mails because you asked to be contacted about this report. Do not share the link: it opens your case.",
};

const DE: Words = Words {
    received_subject: "Wir haben Ihre Meldung {reference} erhalten",
    received_lead: "Danke für Ihren Hinweis. Ihre Meldung {reference} liegt bei unserem Team; auf ihrer Seite können Sie sie verfolgen.",
    replied_subject: "Neue Antwort auf Ihre Meldung {reference}",
    replied_lead: "Wir haben auf Ihre Meldung {reference} geantwortet:",
    resolved_subject: "Ihre Meldung {reference} ist gelöst",
    resolved_lead: "Wir haben Ihre Meldung {reference} gelöst. Wie haben wir das gemacht? Die Bewertung dauert eine Minute.",
    follow: "Fall verfolgen",
    read_reply: "Lesen und antworten",
    rate: "Lösung bewerten",
    footer: "Sie erhalten diese E-Mails, weil Sie zu dieser Meldung kontaktiert werden wollten. Geben Sie den Link nicht weiter: Er öffnet Ihren Fall.",
};

const FR: Words = Words {
    received_subject: "Nous avons reçu votre signalement {reference}",
    received_lead: "Merci de nous l'avoir signalé. Votre signalement {reference} est entre les mains de notre équipe ; vous pouvez le suivre sur sa page.",
    replied_subject: "Nouvelle réponse à votre signalement {reference}",
    replied_lead: "Nous avons répondu à votre signalement {reference} :",
    resolved_subject: "Votre signalement {reference} est résolu",
    resolved_lead: "Nous avons résolu votre signalement {reference}. Comment nous en sommes-nous sortis ? L'évaluation prend une minute.",
    follow: "Suivre votre dossier",
    read_reply: "Lire et répondre",
    rate: "Évaluer la résolution",
    footer: "Vous recevez ces e-mails car vous avez demandé à être contacté au sujet de ce signalement. Ne partagez pas le lien : il ouvre votre dossier.",
};

const ES: Words = Words {
    received_subject: "Hemos recibido su reporte {reference}",
    received_lead: "Gracias por avisarnos. Su reporte {reference} está con nuestro equipo y puede seguirlo en su página.",
    replied_subject: "Nueva respuesta a su reporte {reference}",
    replied_lead: "Hemos respondido a su reporte {reference}:",
    resolved_subject: "Su reporte {reference} está resuelto",
    resolved_lead: "Hemos resuelto su reporte {reference}. ¿Qué tal lo hicimos? Valorarlo lleva un minuto.",
    follow: "Seguir su caso",
    read_reply: "Leer y responder",
    rate: "Valorar la solución",
    footer: "Recibe estos correos porque pidió que le contactáramos sobre este reporte. No comparta el enlace: abre su caso.",
};

const PT: Words = Words {
    received_subject: "Recebemos a sua ocorrência {reference}",
    received_lead: "Obrigado por nos avisar. A sua ocorrência {reference} está com a nossa equipa e pode acompanhá-la na página dela.",
    replied_subject: "Nova resposta à sua ocorrência {reference}",
    replied_lead: "Respondemos à sua ocorrência {reference}:",
    resolved_subject: "A sua ocorrência {reference} está resolvida",
    resolved_lead: "Resolvemos a sua ocorrência {reference}. Como nos saímos? Avaliar leva um minuto.",
    follow: "Acompanhar o seu caso",
    read_reply: "Ler e responder",
    rate: "Avaliar a resolução",
    footer: "Recebe estes e-mails porque pediu para ser contactado sobre esta ocorrência. Não partilhe a ligação: ela abre o seu caso.",
};

const JA: Words = Words {
    received_subject: "お問い合わせ {reference} を受け付けました",
    received_lead: "ご連絡ありがとうございます。お問い合わせ {reference} は担当チームが確認しています。経過はページでご確認いただけます。",
    replied_subject: "お問い合わせ {reference} に返信がありました",
    replied_lead: "お問い合わせ {reference} に返信しました:",
    resolved_subject: "お問い合わせ {reference} は解決しました",
    resolved_lead: "お問い合わせ {reference} は解決しました。対応はいかがでしたか？評価は1分ほどで終わります。",
    follow: "案件を確認する",
    read_reply: "読んで返信する",
    rate: "解決を評価する",
    footer: "このお問い合わせについて連絡を希望されたため、このメールをお送りしています。リンクは案件を開くため、共有しないでください。",
};

const AR: Words = Words {
    received_subject: "استلمنا بلاغك {reference}",
    received_lead: "شكرًا لإبلاغنا. بلاغك {reference} لدى فريقنا، ويمكنك متابعته على صفحته.",
    replied_subject: "رد جديد على بلاغك {reference}",
    replied_lead: "رددنا على بلاغك {reference}:",
    resolved_subject: "تم حل بلاغك {reference}",
    resolved_lead: "قمنا بحل بلاغك {reference}. كيف كان أداؤنا؟ التقييم يستغرق دقيقة.",
    follow: "متابعة حالتك",
    read_reply: "القراءة والرد",
    rate: "تقييم الحل",
    footer: "تصلك هذه الرسائل لأنك طلبت التواصل معك بشأن هذا البلاغ. لا تشارك الرابط: فهو يفتح حالتك.",
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_customer_mail_is_written_in_every_language_with_its_link() {
        let events = [
            CustomerEvent::Received,
            CustomerEvent::Replied {
                body: "We <b>refunded</b> you.".into(),
            },
            CustomerEvent::Resolved,
        ];
        for lang in shared::i18n::LANGS {
            for event in &events {
                let m = render(event, "HK-7QF3", "https://feedback.example", lang);
                assert_eq!(m.lang, lang);
                for part in [&m.subject, &m.text, &m.html] {
                    assert!(part.contains("HK-7QF3"), "{lang} {event:?}: {part}");
                }
                assert!(m.text.contains("https://feedback.example/c/{case_token}"));
                assert!(m
                    .html
                    .contains("href=\"https://feedback.example/c/{case_token}"));
                if lang != "en" {
                    assert_ne!(m.subject, render(event, "HK-7QF3", "", "en").subject);
                }
            }
        }
        let resolved = render(&CustomerEvent::Resolved, "HK-1", "https://f.example", "de");
        assert!(resolved.text.contains("/c/{case_token}#rate"));
        assert_eq!(resolved.subject, "Ihre Meldung HK-1 ist gelöst");
        let reply = render(&events[1], "HK-1", "https://f.example", "ar");
        assert!(reply.html.contains("dir=\"rtl\""));
        assert!(reply.html.contains("We &lt;b&gt;refunded&lt;/b&gt; you."));
        assert!(reply.text.contains("> We <b>refunded</b> you.\n"));
    }
}
