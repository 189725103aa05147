//! The widget's built-in words in every language it ships with.
//!
//! The collector picks the visitor's language and sends only those words with the site's config,
//! so the widget carries no translation tables on customers' pages.

use serde::{Deserialize, Serialize};
use std::borrow::Cow;

macro_rules! strings {
    ($($key:ident),* $(,)?) => {
        /// Every text the widget shows that a site does not write itself.
        #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        pub struct Strings {
            $(#[cfg_attr(feature = "openapi", schema(value_type = String))]
            pub $key: Cow<'static, str>,)*
        }

        #[cfg(test)]
        const KEYS: &[&str] = &[$(stringify!($key)),*];

        impl Strings {
            fn from_table(table: &'static [&'static str]) -> Self {
                let mut words = table.iter();
                Strings {
                    $($key: Cow::Borrowed(words.next().expect("every table has every key")),)*
                }
            }
        }
    };
}

strings!(
    send,
    next,
    close,
    sending,
    thanks,
    failed,
    queued,
    nps_low,
    nps_high,
    csat_low,
    csat_high,
    ces_low,
    ces_high,
    rating_low,
    rating_high,
    other,
    other_label,
    text_placeholder,
    optional,
    launcher,
    rate_us,
    report,
    suggest,
    category,
    what_happened,
    what_suggest,
    impact,
    impact_1,
    impact_2,
    impact_3,
    impact_4,
    email,
    consent,
    report_sent,
    report_reference,
    report_follow,
);

/// The languages with built-in words, English first (the fallback).
pub const LANGS: [&str; 7] = ["en", "de", "fr", "es", "pt", "ja", "ar"];

const TABLES: [&[&str]; 7] = [
    &[
        "Send", "Next", "Close", "Sending…", "Thank you!",
        "Couldn't send your answer. Please try again.",
        "You're offline. Your answer is saved and will be sent when you're back online.",
        "Not likely", "Very likely", "Very unsatisfied", "Very satisfied",
        "Very difficult", "Very easy", "Poor", "Excellent",
        "Other", "Please specify", "Type your answer…", "optional",
        "Feedback", "Rate us", "Report a problem", "Suggest something",
        "What is it about?", "What happened?", "What would you suggest?",
        "How badly does it affect you?", "A little", "Quite a lot", "I can't go on", "It's urgent",
        "Your e-mail (optional)", "You may contact me about this",
        "Thank you! We've received your report.",
        "Your reference:", "Follow your report",
    ],
    &[
        "Senden", "Weiter", "Schließen", "Wird gesendet…", "Vielen Dank!",
        "Ihre Antwort konnte nicht gesendet werden. Bitte versuchen Sie es erneut.",
        "Sie sind offline. Ihre Antwort ist gespeichert und wird gesendet, sobald Sie wieder online sind.",
        "Unwahrscheinlich", "Sehr wahrscheinlich", "Sehr unzufrieden", "Sehr zufrieden",
        "Sehr schwierig", "Sehr einfach", "Schlecht", "Ausgezeichnet",
        "Sonstiges", "Bitte angeben", "Ihre Antwort…", "optional",
        "Feedback", "Bewerten Sie uns", "Problem melden", "Vorschlag machen",
        "Worum geht es?", "Was ist passiert?", "Was schlagen Sie vor?",
        "Wie stark betrifft Sie das?", "Ein wenig", "Ziemlich", "Ich komme nicht weiter", "Es ist dringend",
        "Ihre E-Mail (optional)", "Sie dürfen mich dazu kontaktieren",
        "Vielen Dank! Wir haben Ihre Meldung erhalten.",
        "Ihre Referenz:", "Meldung verfolgen",
    ],
    &[
        "Envoyer", "Suivant", "Fermer", "Envoi…", "Merci !",
        "Impossible d'envoyer votre réponse. Veuillez réessayer.",
        "Vous êtes hors ligne. Votre réponse est enregistrée et sera envoyée dès votre retour en ligne.",
        "Peu probable", "Très probable", "Très insatisfait", "Très satisfait",
        "Très difficile", "Très facile", "Mauvais", "Excellent",
        "Autre", "Veuillez préciser", "Votre réponse…", "facultatif",
        "Avis", "Évaluez-nous", "Signaler un problème", "Faire une suggestion",
        "De quoi s'agit-il ?", "Que s'est-il passé ?", "Que suggérez-vous ?",
        "Quelle est la gravité pour vous ?", "Un peu", "Beaucoup", "Je suis bloqué", "C'est urgent",
        "Votre e-mail (facultatif)", "Vous pouvez me contacter à ce sujet",
        "Merci ! Nous avons bien reçu votre signalement.",
        "Votre référence :", "Suivre votre signalement",
    ],
    &[
        "Enviar", "Siguiente", "Cerrar", "Enviando…", "¡Gracias!",
        "No se pudo enviar su respuesta. Inténtelo de nuevo.",
        "Está sin conexión. Su respuesta está guardada y se enviará cuando vuelva a estar en línea.",
        "Poco probable", "Muy probable", "Muy insatisfecho", "Muy satisfecho",
        "Muy difícil", "Muy fácil", "Malo", "Excelente",
        "Otro", "Especifique", "Escriba su respuesta…", "opcional",
        "Opinión", "Valórenos", "Informar de un problema", "Sugerir algo",
        "¿De qué se trata?", "¿Qué ha pasado?", "¿Qué sugiere?",
        "¿Cuánto le afecta?", "Un poco", "Bastante", "No puedo continuar", "Es urgente",
        "Su correo (opcional)", "Pueden contactarme sobre esto",
        "¡Gracias! Hemos recibido su informe.",
        "Su referencia:", "Seguir su informe",
    ],
    &[
        "Enviar", "Seguinte", "Fechar", "A enviar…", "Obrigado!",
        "Não foi possível enviar a sua resposta. Tente novamente.",
        "Está offline. A sua resposta foi guardada e será enviada quando voltar a estar online.",
        "Pouco provável", "Muito provável", "Muito insatisfeito", "Muito satisfeito",
        "Muito difícil", "Muito fácil", "Fraco", "Excelente",
        "Outro", "Especifique", "Escreva a sua resposta…", "opcional",
        "Opinião", "Avalie-nos", "Reportar um problema", "Sugerir algo",
        "De que se trata?", "O que aconteceu?", "O que sugere?",
        "Quanto o afeta?", "Pouco", "Bastante", "Não consigo continuar", "É urgente",
        "O seu e-mail (opcional)", "Podem contactar-me sobre isto",
        "Obrigado! Recebemos o seu relato.",
        "A sua referência:", "Acompanhar o seu relato",
    ],
    &[
        "送信", "次へ", "閉じる", "送信中…", "ありがとうございました！",
        "回答を送信できませんでした。もう一度お試しください。",
        "オフラインです。回答は保存され、オンラインに戻ったときに送信されます。",
        "可能性は低い", "可能性は非常に高い", "非常に不満", "非常に満足",
        "非常に難しい", "非常に簡単", "悪い", "非常に良い",
        "その他", "具体的にご記入ください", "回答を入力…", "任意",
        "フィードバック", "評価する", "問題を報告", "提案する",
        "どのような内容ですか？", "何が起きましたか？", "どのようなご提案ですか？",
        "どの程度お困りですか？", "少し", "かなり", "先に進めない", "緊急",
        "メールアドレス（任意）", "この件について連絡を受けてもよい",
        "ありがとうございます。ご報告を受け付けました。",
        "受付番号:", "お問い合わせの状況を見る",
    ],
    &[
        "إرسال", "التالي", "إغلاق", "جارٍ الإرسال…", "شكرًا لك!",
        "تعذّر إرسال إجابتك. يُرجى المحاولة مرة أخرى.",
        "أنت غير متصل. تم حفظ إجابتك وسيتم إرسالها عند عودة الاتصال.",
        "غير محتمل", "محتمل جدًا", "غير راضٍ جدًا", "راضٍ جدًا",
        "صعب جدًا", "سهل جدًا", "ضعيف", "ممتاز",
        "أخرى", "يُرجى التحديد", "اكتب إجابتك…", "اختياري",
        "ملاحظات", "قيّمنا", "الإبلاغ عن مشكلة", "اقتراح",
        "بماذا يتعلق الأمر؟", "ماذا حدث؟", "ما اقتراحك؟",
        "إلى أي مدى يؤثر عليك ذلك؟", "قليلًا", "كثيرًا", "لا أستطيع المتابعة", "الأمر عاجل",
        "بريدك الإلكتروني (اختياري)", "يمكنكم التواصل معي بشأن هذا",
        "شكرًا لك! لقد استلمنا بلاغك.",
        "رقمك المرجعي:", "تابع بلاغك",
    ],
];

/// A language code as surveys and the loader name them: `de`, `pt`, `pt-BR`, `zh-Hant`.
pub fn is_lang(s: &str) -> bool {
    let mut parts = s.split('-');
    let primary = parts.next().unwrap_or_default();
    (2..=3).contains(&primary.len())
        && primary.bytes().all(|b| b.is_ascii_lowercase())
        && parts.all(|p| (2..=8).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_alphanumeric()))
}

/// The built-in language for a requested one (`de-AT` → `de`), English when there is none.
pub fn pick(requested: &str) -> &'static str {
    let primary = requested.split(['-', '_']).next().unwrap_or_default();
    LANGS
        .iter()
        .find(|l| l.eq_ignore_ascii_case(primary))
        .copied()
        .unwrap_or("en")
}

/// The built-in words of `lang` (one of [`LANGS`], else English).
pub fn strings(lang: &str) -> Strings {
    let i = LANGS.iter().position(|l| *l == pick(lang)).unwrap_or(0);
    Strings::from_table(TABLES[i])
}

/// Whether `lang` is written right to left.
pub fn is_rtl(lang: &str) -> bool {
    let primary = lang.split(['-', '_']).next().unwrap_or_default();
    ["ar", "he", "fa", "ur"]
        .iter()
        .any(|l| l.eq_ignore_ascii_case(primary))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_language_has_every_word() {
        for (lang, table) in LANGS.iter().zip(TABLES) {
            assert_eq!(table.len(), KEYS.len(), "{lang}");
            assert!(table.iter().all(|w| !w.trim().is_empty()), "{lang}");
        }
        assert_eq!(strings("de").send, "Senden");
        assert_eq!(strings("ar").send, "إرسال");
    }

    #[test]
    fn languages_are_picked_by_their_primary_tag() {
        assert_eq!(pick("de-AT"), "de");
        assert_eq!(pick("PT_br"), "pt");
        assert_eq!(pick("it"), "en");
        assert!(is_rtl("ar-EG") && !is_rtl("en"));
        assert!(
            is_lang("pt-BR") && is_lang("de") && !is_lang("DE") && !is_lang("x") && !is_lang("")
        );
    }
}
