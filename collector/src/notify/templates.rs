//! The team's notices put in words: a subject, a plain-text body and an HTML alternative in
//! which everything that came from outside (the customer's words, a URL) is escaped, in each of
//! the widget's languages, English where a recipient's language has no words here.

use crate::html::escape;
use serde::{Deserialize, Serialize};
use shared::sla::SlaTarget;

/// The most of the customer's words a notice quotes.
const MAX_EXCERPT: usize = 500;

/// What a notification is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum NoticeEvent {
    /// A complaint matched a hot-stove rule.
    HotStove,
    /// An SLA clock is near its target; `due` is already written in the site's time zone.
    SlaWarning { target: SlaTarget, due: String },
    /// An SLA clock passed its target.
    SlaBreached { target: SlaTarget },
    /// The case climbed to this level of the escalation ladder.
    Escalated { level: u32 },
    /// A webhook endpoint was switched off after its deliveries kept failing.
    WebhookDisabled { url: String },
    /// A service goal's forecast misses its target; the target and deadline already written.
    GoalAtRisk {
        goal: String,
        target: String,
        deadline: String,
    },
}

/// A notification to one of the team, before it is put in words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notice {
    pub event: NoticeEvent,
    /// The case's short reference, such as `HK-7QF3` (empty for a webhook's notice).
    pub reference: String,
    /// The page in the dashboard that the notice is about.
    pub link: String,
    /// The customer's words, if they help (the complaint, the reply); shortened when long.
    pub excerpt: Option<String>,
}

/// A notification in words: its subject and both bodies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email {
    /// The language it is written in, one of `shared::i18n::LANGS`.
    pub lang: &'static str,
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// Puts `notice` in words in `lang` (`de-AT` is German; a language without words here is
/// English).
pub fn render(notice: &Notice, lang: &str) -> Email {
    let lang = shared::i18n::pick(lang);
    let w = words(lang);
    let target = |t: &SlaTarget| match t {
        SlaTarget::FirstResponse => w.first_response,
        SlaTarget::NextResponse => w.next_response,
        SlaTarget::Resolution => w.resolution,
    };
    let level;
    let (subject, lead, slots): (&str, &str, Vec<(&str, &str)>) = match &notice.event {
        NoticeEvent::HotStove => (w.hot_stove_subject, w.hot_stove_lead, vec![]),
        NoticeEvent::SlaWarning { target: t, due } => (
            w.sla_warning_subject,
            w.sla_warning_lead,
            vec![("target", target(t)), ("due", due.as_str())],
        ),
        NoticeEvent::SlaBreached { target: t } => (
            w.sla_breached_subject,
            w.sla_breached_lead,
            vec![("target", target(t))],
        ),
        NoticeEvent::Escalated { level: l } => {
            level = l.to_string();
            (
                w.escalated_subject,
                w.escalated_lead,
                vec![("level", level.as_str())],
            )
        }
        NoticeEvent::WebhookDisabled { url } => (
            w.disabled_subject,
            w.disabled_lead,
            vec![("url", url.as_str())],
        ),
        NoticeEvent::GoalAtRisk {
            goal,
            target,
            deadline,
        } => (
            w.goal_subject,
            w.goal_lead,
            vec![
                ("goal", goal.as_str()),
                ("target", target.as_str()),
                ("deadline", deadline.as_str()),
            ],
        ),
    };
    let open = match notice.event {
        NoticeEvent::WebhookDisabled { .. } => w.open_webhooks,
        NoticeEvent::GoalAtRisk { .. } => w.open_goals,
        _ => w.open_case,
    };
    let mut slots = slots;
    slots.push(("reference", notice.reference.as_str()));
    let subject = fill(subject, &slots);
    let lead = fill(lead, &slots);
    let excerpt = notice.excerpt.as_deref().map(shorten);

    let mut text = format!("{lead}\n\n");
    if let Some(excerpt) = &excerpt {
        text.push_str(w.customer_wrote);
        text.push('\n');
        for line in excerpt.lines() {
            text.push_str("> ");
            text.push_str(line);
            text.push('\n');
        }
        text.push('\n');
    }
    text.push_str(&format!("{}: {}\n\n-- \n{}\n", open, notice.link, w.footer));

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
    if let Some(excerpt) = &excerpt {
        html.push_str(&format!(
            "<p>{}</p>\n<blockquote style=\"white-space: pre-wrap; border-inline-start: 3px solid #ccc; margin: 0; padding-inline-start: 1em\">{}</blockquote>\n",
            escape(w.customer_wrote),
            escape(excerpt)
        ));
    }
    html.push_str(&format!(
        "<p><a href=\"{}\">{}</a></p>\n<p style=\"color: #666; font-size: smaller\">{}</p>\n</body>\n</html>\n",
        escape(&notice.link),
        escape(open),
        escape(w.footer)
    ));
    Email {
        lang,
        subject,
        text,
        html,
    }
}

/// `template` with each `{name}` replaced by its value, in one pass: a value that contains
/// `{reference}` stays as it is. An unknown `{name}` is left as written.
pub(super) fn fill(template: &str, slots: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(template.len() + 32);
    let mut rest = template;
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        let after = &rest[start + 1..];
        match after
            .find('}')
            .and_then(|end| Some((end, slots.iter().find(|(n, _)| *n == &after[..end])?)))
        {
            Some((end, (_, value))) => {
                out.push_str(value);
                rest = &after[end + 1..];
            }
            None => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// At most `MAX_EXCERPT` characters of `text`, trimmed, with an ellipsis where it was cut.
pub(super) fn shorten(text: &str) -> String {
    let text = text.trim();
    match text.char_indices().nth(MAX_EXCERPT) {
        Some((cut, _)) => format!("{}…", text[..cut].trim_end()),
        None => text.to_owned(),
    }
}

/// The words of the notifications in one language. `{reference}`, `{target}`, `{due}`,
/// `{level}` and `{url}` and `{url}` are filled in; every language has every slot its English has.
struct Words {
    hot_stove_subject: &'static str,
    hot_stove_lead: &'static str,
    sla_warning_subject: &'static str,
    sla_warning_lead: &'static str,
    sla_breached_subject: &'static str,
    sla_breached_lead: &'static str,
    escalated_subject: &'static str,
    escalated_lead: &'static str,
    disabled_subject: &'static str,
    disabled_lead: &'static str,
    first_response: &'static str,
    next_response: &'static str,
    resolution: &'static str,
    customer_wrote: &'static str,
    open_case: &'static str,
    open_webhooks: &'static str,
    goal_subject: &'static str,
    goal_lead: &'static str,
    open_goals: &'static str,
    footer: &'static str,
}

/// The words of `lang`, one of `shared::i18n::LANGS` (anything else is English).
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
    hot_stove_subject: "Hot stove: {reference} needs attention now",
    hot_stove_lead: "{reference} matched a hot-stove rule and was made P1.",
    sla_warning_subject: "SLA warning: {reference}",
    sla_warning_lead: "The {target} for {reference} is due at {due}.",
    sla_breached_subject: "SLA breached: {reference}",
    sla_breached_lead: "The {target} for {reference} is overdue.",
    escalated_subject: "Escalated: {reference} (level {level})",
    escalated_lead: "{reference} reached escalation level {level}.",
    disabled_subject: "Webhook switched off: {url}",
    disabled_lead: "The webhook to {url} was switched off because its deliveries kept failing. Switch it on again on the Webhooks page once the receiver works.",
    first_response: "first response",
    next_response: "next response",
    resolution: "resolution",
    customer_wrote: "The customer wrote:",
    open_case: "Open the case",
    open_webhooks: "Open the webhooks",
    goal_subject: "Goal at risk: {goal}",
    goal_lead: "The forecast for the goal {goal} misses its target of {target} by {deadline}.",
    open_goals: "Open the goals",
    footer: "This message was sent automatically by Hark.",
};

const DE: Words = Words {
    hot_stove_subject: "Dringend: {reference} braucht sofort Aufmerksamkeit",
    hot_stove_lead: "{reference} hat eine Sofortregel ausgelöst und wurde auf P1 gesetzt.",
    sla_warning_subject: "SLA-Warnung: {reference}",
    sla_warning_lead: "Die {target} für {reference} ist fällig um {due}.",
    sla_breached_subject: "SLA verletzt: {reference}",
    sla_breached_lead: "Die {target} für {reference} ist überfällig.",
    escalated_subject: "Eskaliert: {reference} (Stufe {level})",
    escalated_lead: "{reference} hat Eskalationsstufe {level} erreicht.",
    disabled_subject: "Webhook abgeschaltet: {url}",
    disabled_lead: "Der Webhook an {url} wurde abgeschaltet, weil seine Zustellungen immer wieder fehlschlugen. Schalten Sie ihn auf der Seite „Webhooks“ wieder ein, sobald der Empfänger funktioniert.",
    first_response: "Erstreaktion",
    next_response: "Folgereaktion",
    resolution: "Lösung",
    customer_wrote: "Der Kunde schrieb:",
    open_case: "Fall öffnen",
    open_webhooks: "Webhooks öffnen",
    goal_subject: "Ziel gefährdet: {goal}",
    goal_lead: "Die Prognose für das Ziel {goal} verfehlt den Zielwert {target} bis {deadline}.",
    open_goals: "Ziele öffnen",
    footer: "Diese Nachricht wurde automatisch von Hark gesendet.",
};

const FR: Words = Words {
    hot_stove_subject: "Urgent : {reference} demande une attention immédiate",
    hot_stove_lead: "{reference} a déclenché une règle d'alerte et est passé en P1.",
    sla_warning_subject: "Alerte SLA : {reference}",
    sla_warning_lead: "La {target} pour {reference} est attendue avant {due}.",
    sla_breached_subject: "SLA dépassé : {reference}",
    sla_breached_lead: "Le délai de {target} pour {reference} est dépassé.",
    escalated_subject: "Escalade : {reference} (niveau {level})",
    escalated_lead: "{reference} a atteint le niveau d'escalade {level}.",
    disabled_subject: "Webhook désactivé : {url}",
    disabled_lead: "Le webhook vers {url} a été désactivé car ses envois échouaient sans cesse. Réactivez-le sur la page Webhooks dès que le destinataire fonctionne.",
    first_response: "première réponse",
    next_response: "réponse suivante",
    resolution: "résolution",
    customer_wrote: "Le client a écrit :",
    open_case: "Ouvrir le dossier",
    open_webhooks: "Ouvrir les webhooks",
    goal_subject: "Objectif menacé : {goal}",
    goal_lead: "La prévision pour l'objectif {goal} manque sa cible de {target} d'ici le {deadline}.",
    open_goals: "Ouvrir les objectifs",
    footer: "Ce message a été envoyé automatiquement par Hark.",
};

const ES: Words = Words {
    hot_stove_subject: "Urgente: {reference} necesita atención inmediata",
    hot_stove_lead: "{reference} activó una regla de alerta y pasó a P1.",
    sla_warning_subject: "Aviso de SLA: {reference}",
    sla_warning_lead: "La {target} de {reference} vence el {due}.",
    sla_breached_subject: "SLA incumplido: {reference}",
    sla_breached_lead: "El plazo de {target} de {reference} ha vencido.",
    escalated_subject: "Escalado: {reference} (nivel {level})",
    escalated_lead: "{reference} alcanzó el nivel de escalado {level}.",
    disabled_subject: "Webhook desactivado: {url}",
    disabled_lead: "El webhook a {url} se desactivó porque sus entregas fallaban una y otra vez. Vuelva a activarlo en la página Webhooks cuando el receptor funcione.",
    first_response: "primera respuesta",
    next_response: "siguiente respuesta",
    resolution: "resolución",
    customer_wrote: "El cliente escribió:",
    open_case: "Abrir el caso",
    open_webhooks: "Abrir los webhooks",
    goal_subject: "Objetivo en riesgo: {goal}",
    goal_lead: "La previsión para el objetivo {goal} no alcanza su meta de {target} para el {deadline}.",
    open_goals: "Abrir los objetivos",
    footer: "Este mensaje fue enviado automáticamente por Hark.",
};

const PT: Words = Words {
    hot_stove_subject: "Urgente: {reference} precisa de atenção imediata",
    hot_stove_lead: "{reference} ativou uma regra de alerta e passou a P1.",
    sla_warning_subject: "Aviso de SLA: {reference}",
    sla_warning_lead: "A {target} de {reference} vence em {due}.",
    sla_breached_subject: "SLA ultrapassado: {reference}",
    sla_breached_lead: "O prazo de {target} de {reference} foi ultrapassado.",
    escalated_subject: "Escalado: {reference} (nível {level})",
    escalated_lead: "{reference} atingiu o nível de escalamento {level}.",
    disabled_subject: "Webhook desativado: {url}",
    disabled_lead: "O webhook para {url} foi desativado porque as entregas falhavam repetidamente. Volte a ativá-lo na página Webhooks quando o recetor funcionar.",
    first_response: "primeira resposta",
    next_response: "resposta seguinte",
    resolution: "resolução",
    customer_wrote: "O cliente escreveu:",
    open_case: "Abrir o caso",
    open_webhooks: "Abrir os webhooks",
    goal_subject: "Meta em risco: {goal}",
    goal_lead: "A previsão para a meta {goal} não atinge o alvo de {target} até {deadline}.",
    open_goals: "Abrir as metas",
    footer: "Esta mensagem foi enviada automaticamente pelo Hark.",
};

const JA: Words = Words {
    hot_stove_subject: "緊急: {reference} にすぐ対応が必要です",
    hot_stove_lead: "{reference} が緊急ルールに一致したため、P1 に設定されました。",
    sla_warning_subject: "SLA 警告: {reference}",
    sla_warning_lead: "{reference} の{target}の期限は {due} です。",
    sla_breached_subject: "SLA 違反: {reference}",
    sla_breached_lead: "{reference} の{target}の期限を過ぎました。",
    escalated_subject: "エスカレーション: {reference}（レベル {level}）",
    escalated_lead: "{reference} はエスカレーションレベル {level} に達しました。",
    disabled_subject: "Webhook を停止しました: {url}",
    disabled_lead: "{url} への Webhook は配信の失敗が続いたため停止されました。受信側が復旧したら Webhooks ページで再度有効にしてください。",
    first_response: "初回応答",
    next_response: "次回応答",
    resolution: "解決",
    customer_wrote: "顧客のメッセージ:",
    open_case: "案件を開く",
    open_webhooks: "Webhook を開く",
    goal_subject: "目標が危険です：{goal}",
    goal_lead: "目標「{goal}」の予測は {deadline} までに目標値 {target} に届きません。",
    open_goals: "目標を開く",
    footer: "このメッセージは Hark から自動送信されました。",
};

const AR: Words = Words {
    hot_stove_subject: "عاجل: {reference} يحتاج إلى اهتمام فوري",
    hot_stove_lead: "طابقت الحالة {reference} قاعدة تنبيه عاجل وأصبحت أولويتها P1.",
    sla_warning_subject: "تحذير اتفاقية مستوى الخدمة: {reference}",
    sla_warning_lead: "موعد {target} للحالة {reference} هو {due}.",
    sla_breached_subject: "تجاوز اتفاقية مستوى الخدمة: {reference}",
    sla_breached_lead: "انقضى موعد {target} للحالة {reference}.",
    escalated_subject: "تصعيد: {reference} (المستوى {level})",
    escalated_lead: "وصلت الحالة {reference} إلى مستوى التصعيد {level}.",
    disabled_subject: "تم إيقاف الويب هوك: {url}",
    disabled_lead: "تم إيقاف الويب هوك إلى {url} لأن عمليات التسليم استمرت في الفشل. أعد تشغيله من صفحة Webhooks عندما يعمل المستقبِل.",
    first_response: "الرد الأول",
    next_response: "الرد التالي",
    resolution: "الحل",
    customer_wrote: "كتب العميل:",
    open_case: "فتح الحالة",
    open_webhooks: "فتح صفحة الويب هوك",
    goal_subject: "هدف في خطر: {goal}",
    goal_lead: "توقعات الهدف {goal} لا تبلغ قيمته المستهدفة {target} بحلول {deadline}.",
    open_goals: "افتح الأهداف",
    footer: "أُرسلت هذه الرسالة تلقائيًا من Hark.",
};

#[cfg(test)]
mod tests {
    use super::*;

    fn every_event() -> Vec<NoticeEvent> {
        vec![
            NoticeEvent::HotStove,
            NoticeEvent::SlaWarning {
                target: SlaTarget::FirstResponse,
                due: "2026-12-03 14:00 CET".into(),
            },
            NoticeEvent::SlaBreached {
                target: SlaTarget::Resolution,
            },
            NoticeEvent::Escalated { level: 2 },
        ]
    }

    fn notice(event: NoticeEvent, excerpt: Option<&str>) -> Notice {
        Notice {
            event,
            reference: "HK-7QF3".into(),
            link: "https://feedback.example/dashboard/#/cases/42".into(),
            excerpt: excerpt.map(str::to_owned),
        }
    }

    #[test]
    fn every_notice_is_written_in_every_language_with_its_slots_filled() {
        for lang in shared::i18n::LANGS {
            for event in every_event() {
                let email = render(&notice(event.clone(), None), lang);
                assert_eq!(email.lang, lang);
                for part in [&email.subject, &email.text, &email.html] {
                    assert!(part.contains("HK-7QF3"), "{lang} {event:?}: {part}");
                    assert!(!part.contains('{'), "{lang} {event:?}: {part}");
                }
                assert!(email
                    .text
                    .contains("https://feedback.example/dashboard/#/cases/42"));
                match &event {
                    NoticeEvent::SlaWarning { due, .. } => {
                        assert!(email.text.contains(due.as_str()), "{lang}")
                    }
                    NoticeEvent::Escalated { .. } => {
                        assert!(email.subject.contains('2'), "{lang}")
                    }
                    _ => {}
                }
            }
        }
    }

    #[test]
    fn a_goal_at_risk_is_told_in_every_language_its_name_never_markup() {
        let n = Notice {
            event: NoticeEvent::GoalAtRisk {
                goal: "NPS <b>40</b>".into(),
                target: "40".into(),
                deadline: "2027-03-31".into(),
            },
            reference: String::new(),
            link: "https://feedback.example/dashboard/#/goals".into(),
            excerpt: None,
        };
        for lang in shared::i18n::LANGS {
            let email = render(&n, lang);
            for part in [&email.subject, &email.text] {
                assert!(
                    part.contains("NPS <b>40</b>") && !part.contains('{'),
                    "{lang}: {part}"
                );
            }
            assert!(email.text.contains("2027-03-31") && email.text.contains("#/goals"));
            assert!(email.html.contains("NPS &lt;b&gt;40&lt;/b&gt;"), "{lang}");
            assert!(!email.html.contains("<b>"), "{lang}");
        }
    }

    #[test]
    fn languages_follow_the_widget_and_fall_back_to_english() {
        let n = notice(
            NoticeEvent::SlaBreached {
                target: SlaTarget::FirstResponse,
            },
            None,
        );
        for (asked, lang, says) in [
            ("en", "en", "The first response for HK-7QF3 is overdue."),
            (
                "de-AT",
                "de",
                "Die Erstreaktion für HK-7QF3 ist überfällig.",
            ),
            (
                "fr",
                "fr",
                "Le délai de première réponse pour HK-7QF3 est dépassé.",
            ),
            ("it", "en", "The first response for HK-7QF3 is overdue."),
            ("", "en", "The first response for HK-7QF3 is overdue."),
        ] {
            let email = render(&n, asked);
            assert_eq!(email.lang, lang, "{asked}");
            assert!(email.text.starts_with(says), "{asked}: {}", email.text);
        }
        assert!(render(&n, "ar").html.contains("dir=\"rtl\""));
        assert!(render(&n, "ja").html.contains("lang=\"ja\" dir=\"ltr\""));
    }

    #[test]
    fn the_customers_words_are_quoted_never_markup() {
        let words = "<script>alert(1)</script> & \"quotes\"\nsecond line {reference}";
        let email = render(&notice(NoticeEvent::HotStove, Some(words)), "en");
        assert!(!email.html.contains("<script>"), "{}", email.html);
        assert!(email.html.contains(
            "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;quotes&quot;\nsecond line {reference}"
        ));
        assert!(email
            .text
            .contains("> <script>alert(1)</script> & \"quotes\"\n> second line {reference}\n"));
        let long = render(
            &notice(NoticeEvent::HotStove, Some(&"é".repeat(MAX_EXCERPT + 50))),
            "en",
        );
        assert!(long.text.contains(&format!("{}…", "é".repeat(MAX_EXCERPT))));
    }

    #[test]
    fn slots_are_filled_once() {
        for (template, slots, filled) in [
            ("{a} and {b}", &[("a", "1"), ("b", "2")][..], "1 and 2"),
            ("{a}", &[("a", "{b}"), ("b", "2")][..], "{b}"),
            ("{unknown} {a", &[("a", "1")][..], "{unknown} {a"),
            ("no slots", &[][..], "no slots"),
            ("{a}{a}é", &[("a", "ü")][..], "üüé"),
        ] {
            assert_eq!(fill(template, slots), filled, "{template}");
        }
    }

    #[test]
    fn a_switched_off_webhook_is_told_in_every_language() {
        for lang in shared::i18n::LANGS {
            let email = render(
                &Notice {
                    event: NoticeEvent::WebhookDisabled {
                        url: "https://crm.example/<hook>".into(),
                    },
                    reference: String::new(),
                    link: "https://feedback.example/dashboard/#/settings/webhooks".into(),
                    excerpt: None,
                },
                lang,
            );
            assert!(
                email.subject.contains("https://crm.example/<hook>"),
                "{lang}"
            );
            assert!(
                email.html.contains("https://crm.example/&lt;hook&gt;"),
                "{lang}"
            );
            assert!(!email.html.contains("<hook>"), "{lang}");
            assert!(email.text.contains("#/settings/webhooks"), "{lang}");
        }
    }
}
