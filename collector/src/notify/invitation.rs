//! The invitation to join a site's team, in words: plain text and an HTML alternative in which
//! the site's name, the inviter and the link are escaped. English only: the collector knows
//! nothing of the invitee's language yet.

use super::templates::Email;
use crate::access::Role;
use crate::html::escape;

/// What the message says: who invites whom to which site, with which role, until when, and the
/// link (which carries the token, so the message is sent and never stored).
#[derive(Clone, PartialEq, Eq)]
pub struct Invitation<'a> {
    pub site_name: &'a str,
    pub role: Role,
    /// An e-mail address, or `token:<id>` when an API token invited.
    pub invited_by: &'a str,
    pub link: &'a str,
    /// Already written, like `2026-12-03 14:00 UTC`.
    pub expires: &'a str,
}

pub fn render(i: &Invitation<'_>) -> Email {
    let subject = format!("You are invited to {} on Hark", i.site_name);
    let inviter = if i.invited_by.starts_with("token:") {
        "An admin".to_owned()
    } else {
        i.invited_by.to_owned()
    };
    let lead = format!(
        "{inviter} invites you to join the team of {} on Hark, as {}.",
        i.site_name,
        role_words(i.role)
    );
    let how = format!(
        "Open the link to accept: you choose a password there, or sign in if you have an account. \
         It works once, until {}.",
        i.expires
    );
    let text = format!(
        "{lead}\n\n{how}\n\n{}\n\n-- \nIf you did not expect this invitation, ignore it.\n",
        i.link
    );
    let html = format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head><meta charset=\"utf-8\"><title>{}</title></head>\n\
         <body style=\"font-family: sans-serif; line-height: 1.5\">\n<p>{}</p>\n<p>{}</p>\n\
         <p><a href=\"{}\">Accept the invitation</a></p>\n\
         <p style=\"color: #666; font-size: smaller\">If you did not expect this invitation, ignore it.</p>\n\
         </body>\n</html>\n",
        escape(&subject),
        escape(&lead),
        escape(&how),
        escape(i.link),
    );
    Email {
        lang: "en",
        subject,
        text,
        html,
    }
}

/// `an admin`, `a viewer`, with what the role may do.
fn role_words(role: Role) -> &'static str {
    match role {
        Role::Owner => "an owner (everything, including the team)",
        Role::Admin => "an admin (settings, surveys and the team)",
        Role::Agent => "an agent (working complaints)",
        Role::Viewer => "a viewer (reading answers and complaints)",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_invitation_names_site_role_and_link_and_escapes_them() {
        let email = render(&Invitation {
            site_name: "Ann's <Shop>",
            role: Role::Agent,
            invited_by: "bob@shop.test",
            link: "https://hark.test/dashboard/#/invite/abc",
            expires: "2026-12-03 14:00 UTC",
        });
        assert_eq!(email.subject, "You are invited to Ann's <Shop> on Hark");
        assert!(
            email.text.contains("bob@shop.test invites you"),
            "{}",
            email.text
        );
        assert!(email.text.contains("as an agent"), "{}", email.text);
        assert!(email
            .text
            .contains("https://hark.test/dashboard/#/invite/abc"));
        assert!(email.text.contains("until 2026-12-03 14:00 UTC"));
        assert!(
            email.html.contains("Ann&#39;s &lt;Shop&gt;"),
            "{}",
            email.html
        );
        assert!(!email.html.contains("<Shop>"));
        assert!(email
            .html
            .contains("href=\"https://hark.test/dashboard/#/invite/abc\""));
        let by_token = render(&Invitation {
            invited_by: "token:4",
            ..Invitation {
                site_name: "Shop",
                role: Role::Viewer,
                invited_by: "",
                link: "l",
                expires: "e",
            }
        });
        assert!(by_token.text.starts_with("An admin invites you"));
    }
}
