//! What a customer wrote in a reply, without what they replied to: quoted lines (`>`), the
//! history under an attribution ("On … wrote:", in the widget's seven languages) or under
//! Outlook's "-----Original Message-----" or `From:`/`Sent:` block, and the signature under
//! `-- `. Pure, tested by table.

/// The words that end an attribution line ("On Mon, 1 Jan 2026, Ann <ann@x> wrote:"), as mail
/// clients write them in en, de, fr, es, pt, ja and ar.
const WROTE: [&str; 8] = [
    "wrote",
    "schrieb",
    "a écrit",
    "escribió",
    "escreveu",
    "が書きました",
    "書きました",
    "كتب",
];

/// Outlook's separator lines, between dashes.
const ORIGINAL: [&str; 8] = [
    "original message",
    "ursprüngliche nachricht",
    "message d'origine",
    "mensaje original",
    "mensagem original",
    "元のメッセージ",
    "الرسالة الأصلية",
    "forwarded message",
];

/// The labels of a quoted header block: the sender, then the date or subject within a few lines.
const FROM: [&str; 9] = [
    "from:",
    "von:",
    "de:",
    "de :",
    "da:",
    "差出人:",
    "送信者:",
    "من:",
    "from :",
];
const SENT: [&str; 20] = [
    "sent:",
    "date:",
    "subject:",
    "to:",
    "gesendet:",
    "datum:",
    "betreff:",
    "an:",
    "envoyé :",
    "envoyé:",
    "objet :",
    "enviado:",
    "fecha:",
    "asunto:",
    "assunto:",
    "data:",
    "送信日時:",
    "件名:",
    "التاريخ:",
    "الموضوع:",
];

/// The reply in `text`, trimmed; empty when nothing but quotes and signature was written.
pub fn strip(text: &str) -> String {
    let text = text.replace("\r\n", "\n");
    let lines: Vec<&str> = text.lines().collect();
    let cut = (0..lines.len())
        .find(|&i| starts_history(&lines, i))
        .unwrap_or(lines.len());
    let kept: Vec<&str> = lines[..cut]
        .iter()
        .copied()
        .filter(|l| !l.trim_start().starts_with('>'))
        .map(str::trim_end)
        .collect();
    kept.join("\n").trim().to_owned()
}

/// Whether line `i` starts the quoted history or the signature.
fn starts_history(lines: &[&str], i: usize) -> bool {
    let line = lines[i].trim();
    let lower = line.to_lowercase();
    // The signature separator is "-- " (its space is often lost on the way).
    if lines[i] == "-- " || line == "--" {
        return true;
    }
    if line.starts_with("-----") && ORIGINAL.iter().any(|o| lower.contains(o)) {
        return true;
    }
    // Outlook on the web: a rule of underscores above the quoted header block.
    if line.len() >= 10 && line.chars().all(|c| c == '_') {
        return next_text(lines, i + 1).is_some_and(|n| header_block(lines, n));
    }
    if header_block(lines, i) {
        return true;
    }
    if attribution(line) {
        return true;
    }
    // An attribution wrapped over two lines ("On Mon, … Ann <ann@x>\nwrote:").
    if let Some(next) = lines.get(i + 1) {
        let joined = format!("{line} {}", next.trim());
        if !line.is_empty()
            && !line.starts_with('>')
            && attribution(&joined)
            && !attribution(next.trim())
        {
            return ends_with_wrote(&joined);
        }
    }
    // Gmail in Japanese names no verb: "2026年1月1日(木) 10:00 山田 <a@b.jp>:" above quoted lines.
    line.ends_with(">:")
        && line.contains('@')
        && next_text(lines, i + 1).is_some_and(|n| lines[n].trim_start().starts_with('>'))
}

fn next_text(lines: &[&str], from: usize) -> Option<usize> {
    (from..lines.len()).find(|&n| !lines[n].trim().is_empty())
}

/// A `From:` line followed within four lines by a date, subject or recipient line.
fn header_block(lines: &[&str], i: usize) -> bool {
    let starts = |l: &str, labels: &[&str]| {
        let l = l.trim().to_lowercase();
        labels.iter().any(|p| l.starts_with(p))
    };
    starts(lines[i], &FROM) && lines[i + 1..].iter().take(4).any(|l| starts(l, &SENT))
}

fn attribution(line: &str) -> bool {
    ends_with_wrote(line)
}

fn ends_with_wrote(line: &str) -> bool {
    let Some(body) = line
        .strip_suffix(':')
        .or_else(|| line.strip_suffix('：'))
        .map(str::trim_end)
    else {
        return false;
    };
    let body = body.to_lowercase();
    // The verb ends the line, after at least a name or a date before it.
    WROTE
        .iter()
        .any(|w| body.ends_with(w) && body.chars().count() > w.chars().count() + 3)
}

#[cfg(test)]
mod tests {
    use super::strip;

    #[test]
    fn replies_lose_their_quoted_history_and_signature() {
        let cases: &[(&str, &str, &str)] = &[
            ("plain text stays", "Thanks, that worked.\n", "Thanks, that worked."),
            (
                "quoted lines go",
                "Still broken.\n\n> We refunded you.\n> Regards\n",
                "Still broken.",
            ),
            (
                "an English attribution and what follows",
                "It arrived, thanks!\n\nOn Mon, 2 Feb 2026 at 10:00, Hark <c+abc@feedback.example> wrote:\n> We shipped it.\n",
                "It arrived, thanks!",
            ),
            (
                "an attribution wrapped over two lines",
                "Yes please.\n\nOn Mon, 2 Feb 2026 at 10:00 Shop Support <c+abc@feedback.example>\nwrote:\n\n> Shall we refund?\n",
                "Yes please.",
            ),
            (
                "German",
                "Danke, passt.\n\nAm 02.02.2026 um 10:00 schrieb Shop <c+a@f.example>:\n> Erledigt.\n",
                "Danke, passt.",
            ),
            (
                "French, with its space before the colon",
                "Merci.\n\nLe lun. 2 févr. 2026 à 10:00, Shop <c+a@f.example> a écrit :\n> C'est fait.\n",
                "Merci.",
            ),
            (
                "Spanish",
                "Gracias.\n\nEl lun, 2 feb 2026 a las 10:00, Shop (<c+a@f.example>) escribió:\n> Hecho.\n",
                "Gracias.",
            ),
            (
                "Portuguese",
                "Obrigado.\n\nEm seg., 2 de fev. de 2026 às 10:00, Shop <c+a@f.example> escreveu:\n> Feito.\n",
                "Obrigado.",
            ),
            (
                "Japanese, with a verb",
                "ありがとうございます。\n\n2026年2月2日(月) 10:00 Shop <c+a@f.example> が書きました:\n> 対応しました。\n",
                "ありがとうございます。",
            ),
            (
                "Japanese Gmail, without a verb",
                "届きました。\n\n2026年2月2日(月) 10:00 Shop <c+a@f.example>:\n> 発送しました。\n",
                "届きました。",
            ),
            (
                "Arabic",
                "شكرا لكم.\n\nفي الاثنين، 2 فبراير 2026 Shop <c+a@f.example> كتب:\n> تم.\n",
                "شكرا لكم.",
            ),
            (
                "Outlook's separator",
                "See the photo.\n\n-----Original Message-----\nFrom: Shop\nSent: Monday\n\nWe shipped it.\n",
                "See the photo.",
            ),
            (
                "Outlook's header block, unquoted",
                "Not yet.\r\n\r\nFrom: Shop Support <c+a@f.example>\r\nSent: Monday, February 2, 2026 10:00\r\nTo: Ann\r\nSubject: Your report\r\n\r\nDid it arrive?\r\n",
                "Not yet.",
            ),
            (
                "Outlook on the web's rule",
                "Got it.\n\n________________________________\nVon: Shop <c+a@f.example>\nGesendet: Montag\nBetreff: Ihre Meldung\n\nErledigt.\n",
                "Got it.",
            ),
            (
                "a German Outlook separator",
                "Passt.\n-----Ursprüngliche Nachricht-----\nVon: Shop\n",
                "Passt.",
            ),
            (
                "the signature",
                "Please call me.\n\n-- \nAnn Example\n+1 555 0100\n",
                "Please call me.",
            ),
            (
                "an answer between quoted lines is kept",
                "> Which order?\n1234\n> Which colour?\nBlue\n",
                "1234\nBlue",
            ),
            ("nothing but the quote", "> We refunded you.\n", ""),
            (
                "a sentence that mentions someone wrote is kept",
                "My friend wrote to you already.\nShe is waiting.\n",
                "My friend wrote to you already.\nShe is waiting.",
            ),
            (
                "a From line in prose is kept",
                "From: the start it failed.\nNothing else to add.\n",
                "From: the start it failed.\nNothing else to add.",
            ),
        ];
        for (what, text, want) in cases {
            assert_eq!(strip(text), *want, "{what}");
        }
    }
}
