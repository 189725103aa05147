//! The SMTP server's side of one connection (RFC 5321), over any tokio stream: EHLO or HELO,
//! MAIL (with `SIZE=` and `BODY=`), RCPT, DATA with dot-unstuffing, RSET, NOOP, HELP, QUIT;
//! VRFY and EXPN refused; STARTTLS when the listener has a certificate; PIPELINING (replies
//! come in order, each command read as it is buffered) and 8BITMIME (bytes are kept as sent).
//!
//! What a recipient is and what becomes of a message is not decided here but by a `Delivery`.
//! Nothing a client sends can make the session hold more than a line (1,000 bytes for a
//! command) plus `max_bytes` of message: a longer line is read to its end and refused, and a
//! message past the limit is read to its end and dropped, then refused with `552`.

use async_trait::async_trait;
use std::time::Duration;
use tokio::io::{AsyncBufRead, AsyncBufReadExt, AsyncRead, AsyncWrite, AsyncWriteExt, BufReader};

/// An SMTP reply: its code and its text, which starts with the enhanced status code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    pub code: u16,
    pub text: String,
}

impl Reply {
    pub fn new(code: u16, text: impl Into<String>) -> Self {
        Self {
            code,
            text: text.into(),
        }
    }

    fn line(&self) -> String {
        format!("{} {}\r\n", self.code, self.text)
    }
}

/// The sender and recipients of a message, as the client gave them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Envelope {
    /// The reverse path; empty for a bounce (`MAIL FROM:<>`).
    pub from: String,
    /// Each accepted recipient once, in the order given.
    pub to: Vec<String>,
}

/// What becomes of recipients and messages: the domain's side of the session.
#[async_trait]
pub trait Delivery: Send + Sync {
    /// Whether `address` takes mail here: `Ok`, or the reply that refuses it.
    async fn recipient(&self, address: &str) -> Result<(), Reply>;

    /// A whole message for `envelope`'s recipients; the reply to its DATA.
    async fn deliver(&self, envelope: &Envelope, message: &[u8]) -> Reply;

    /// A message was refused for its size (announced by `SIZE=`, or sent).
    fn too_large(&self);
}

/// The limits of a session.
#[derive(Debug, Clone)]
pub struct Limits {
    /// The largest message, in bytes, as `SIZE` announces.
    pub max_bytes: usize,
    pub max_recipients: usize,
    /// Commands in one session, and refused commands, before it is closed.
    pub max_commands: usize,
    pub max_errors: usize,
    /// How long the client may stay silent.
    pub idle: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_bytes: 10 * 1024 * 1024,
            max_recipients: 50,
            max_commands: 1000,
            max_errors: 10,
            idle: Duration::from_secs(300),
        }
    }
}

/// The longest command line, its CRLF included (RFC 5321 §4.5.3.1.4 says 512; some clients
/// send longer `MAIL` lines with parameters).
const MAX_COMMAND: usize = 1000;
/// How much of a message line is read at once; longer lines are read in pieces.
const DATA_PIECE: usize = 8192;

/// A command, read from one line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    Ehlo(String),
    Helo(String),
    Mail {
        from: String,
        size: Option<u64>,
    },
    Rcpt(String),
    Data,
    Rset,
    Noop,
    Quit,
    Help,
    StartTls,
    /// VRFY or EXPN: not answered, so that addresses cannot be probed.
    Verify,
    Unknown,
    /// A known command with bad arguments: the reply says what is wrong.
    Invalid(Reply),
}

/// Reads a command line (without its line end).
pub fn parse(line: &str) -> Command {
    let (verb, rest) = match line.find(' ') {
        Some(i) => (&line[..i], line[i + 1..].trim()),
        None => (line, ""),
    };
    let syntax = |what: &str| Command::Invalid(Reply::new(501, format!("5.5.4 Syntax: {what}")));
    match verb.to_ascii_uppercase().as_str() {
        "EHLO" | "HELO" if rest.is_empty() => syntax("EHLO hostname"),
        "EHLO" => Command::Ehlo(rest.to_owned()),
        "HELO" => Command::Helo(rest.to_owned()),
        "MAIL" => match strip_prefix_ci(rest, "FROM:").and_then(path) {
            Some((from, params)) => {
                let mut size = None;
                for p in params.split_whitespace() {
                    let (key, value) = p.split_once('=').unwrap_or((p, ""));
                    match key.to_ascii_uppercase().as_str() {
                        "SIZE" => match value.parse() {
                            Ok(n) => size = Some(n),
                            Err(_) => return syntax("SIZE=bytes"),
                        },
                        "BODY"
                            if ["7BIT", "8BITMIME"]
                                .iter()
                                .any(|b| b.eq_ignore_ascii_case(value)) => {}
                        _ => {
                            return Command::Invalid(Reply::new(
                                555,
                                format!("5.5.4 {key} is not supported"),
                            ))
                        }
                    }
                }
                Command::Mail { from, size }
            }
            None => syntax("MAIL FROM:<address>"),
        },
        "RCPT" => match strip_prefix_ci(rest, "TO:").and_then(path) {
            Some((to, params)) if !to.is_empty() && params.is_empty() => Command::Rcpt(to),
            _ => syntax("RCPT TO:<address>"),
        },
        "DATA" => Command::Data,
        "RSET" => Command::Rset,
        "NOOP" => Command::Noop,
        "QUIT" => Command::Quit,
        "HELP" => Command::Help,
        "STARTTLS" if rest.is_empty() => Command::StartTls,
        "STARTTLS" => syntax("STARTTLS"),
        "VRFY" | "EXPN" => Command::Verify,
        _ => Command::Unknown,
    }
}

fn strip_prefix_ci<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    (s.len() >= prefix.len() && s[..prefix.len()].eq_ignore_ascii_case(prefix))
        .then(|| s[prefix.len()..].trim_start())
}

/// `<address> params`: the address (empty for `<>`) and the rest. A source route
/// (`<@a,@b:x@y>`) is read as its last address, as RFC 5321 asks.
fn path(s: &str) -> Option<(String, &str)> {
    let s = s.strip_prefix('<')?;
    let end = s.find('>')?;
    let inner = &s[..end];
    let address = inner.rsplit(':').next().unwrap_or(inner).trim();
    if address.chars().any(|c| c.is_whitespace() || c.is_control()) || address.len() > 254 {
        return None;
    }
    if !address.is_empty() && !address.contains('@') {
        return None;
    }
    Some((address.to_owned(), s[end + 1..].trim()))
}

/// How a session ended.
#[derive(Debug)]
pub enum Ended<S> {
    /// QUIT, the client went away, a timeout or too many errors.
    Closed,
    /// The client asked for TLS and was told to start: the stream to wrap, with anything it
    /// sent after STARTTLS discarded (RFC 3207 §5: nothing sent in clear may count).
    StartTls(S),
}

/// The session's settings.
#[derive(Debug, Clone)]
pub struct Server {
    /// How the server names itself in its greeting and EHLO.
    pub hostname: String,
    pub limits: Limits,
}

/// One piece read from the client.
enum Read {
    /// A piece that ends a line (`\n` was read).
    Line,
    /// A piece that fills the limit before a line end.
    Piece,
    Eof,
}

/// Reads up to and including the next `\n`, at most `limit` bytes of it, into `out`.
async fn read_piece<R: AsyncBufRead + Unpin>(
    r: &mut R,
    limit: usize,
    out: &mut Vec<u8>,
) -> std::io::Result<Read> {
    out.clear();
    loop {
        let buf = r.fill_buf().await?;
        if buf.is_empty() {
            return Ok(if out.is_empty() {
                Read::Eof
            } else {
                Read::Piece
            });
        }
        let room = limit - out.len();
        let (take, ends) = match buf.iter().take(room).position(|&b| b == b'\n') {
            Some(i) => (i + 1, true),
            None => (buf.len().min(room), false),
        };
        out.extend_from_slice(&buf[..take]);
        r.consume(take);
        if ends {
            return Ok(Read::Line);
        }
        if out.len() == limit {
            return Ok(Read::Piece);
        }
    }
}

/// A command line as read: its text, or why there is none.
enum CommandLine {
    Text(String),
    TooLong,
    NotText,
    Eof,
    Idle,
}

impl Server {
    /// Runs a session on `io` until it ends. `greet`: say 220 first (not after STARTTLS);
    /// `tls`: STARTTLS may be offered; `secure`: TLS is on already.
    pub async fn session<S, D>(
        &self,
        io: S,
        delivery: &D,
        greet: bool,
        tls: bool,
        secure: bool,
    ) -> std::io::Result<Ended<S>>
    where
        S: AsyncRead + AsyncWrite + Unpin + Send,
        D: Delivery + ?Sized,
    {
        let mut io = BufReader::new(io);
        if greet {
            self.say(
                &mut io,
                &Reply::new(220, format!("{} ESMTP Hark", self.hostname)),
            )
            .await?;
        }
        let limits = &self.limits;
        let mut helo = false;
        let mut envelope: Option<Envelope> = None;
        let (mut commands, mut errors) = (0usize, 0usize);
        let mut line = Vec::with_capacity(MAX_COMMAND);
        loop {
            let reply = match self.command_line(&mut io, &mut line).await? {
                CommandLine::Eof => return Ok(Ended::Closed),
                CommandLine::Idle => {
                    let r = Reply::new(
                        421,
                        format!("4.4.2 {} idle too long, closing", self.hostname),
                    );
                    let _ = self.say(&mut io, &r).await;
                    return Ok(Ended::Closed);
                }
                CommandLine::TooLong => Reply::new(500, "5.5.2 Line too long"),
                CommandLine::NotText => Reply::new(500, "5.5.2 Syntax error"),
                CommandLine::Text(text) => {
                    commands += 1;
                    if commands > limits.max_commands {
                        let r = Reply::new(421, "4.7.0 Too many commands, closing");
                        self.say(&mut io, &r).await?;
                        return Ok(Ended::Closed);
                    }
                    match parse(&text) {
                        Command::Ehlo(_) => {
                            helo = true;
                            envelope = None;
                            self.say_lines(&mut io, &self.extensions(tls && !secure))
                                .await?;
                            continue;
                        }
                        Command::Helo(_) => {
                            helo = true;
                            envelope = None;
                            Reply::new(250, self.hostname.clone())
                        }
                        Command::StartTls if secure => Reply::new(503, "5.5.1 TLS is on already"),
                        Command::StartTls if !tls => {
                            Reply::new(502, "5.5.1 STARTTLS is not offered")
                        }
                        Command::StartTls => {
                            self.say(&mut io, &Reply::new(220, "2.0.0 Ready to start TLS"))
                                .await?;
                            // Whatever the client pipelined after STARTTLS was sent in clear.
                            return Ok(Ended::StartTls(io.into_inner()));
                        }
                        Command::Mail { .. } if !helo => Reply::new(503, "5.5.1 Say EHLO first"),
                        Command::Mail { .. } if envelope.is_some() => {
                            Reply::new(503, "5.5.1 A message is under way; RSET first")
                        }
                        Command::Mail { size: Some(n), .. }
                            if n > u64::try_from(limits.max_bytes).unwrap_or(u64::MAX) =>
                        {
                            delivery.too_large();
                            Reply::new(
                                552,
                                format!(
                                    "5.3.4 Message too big: at most {} bytes",
                                    limits.max_bytes
                                ),
                            )
                        }
                        Command::Mail { from, .. } => {
                            envelope = Some(Envelope {
                                from,
                                to: Vec::new(),
                            });
                            Reply::new(250, "2.1.0 OK")
                        }
                        Command::Rcpt(_) if envelope.is_none() => {
                            Reply::new(503, "5.5.1 MAIL first")
                        }
                        Command::Rcpt(to) => {
                            let e = envelope.as_mut().expect("checked above");
                            if e.to.len() >= limits.max_recipients {
                                Reply::new(452, "4.5.3 Too many recipients")
                            } else {
                                match delivery.recipient(&to).await {
                                    Ok(()) => {
                                        if !e.to.iter().any(|t| t.eq_ignore_ascii_case(&to)) {
                                            e.to.push(to);
                                        }
                                        Reply::new(250, "2.1.5 OK")
                                    }
                                    Err(refused) => refused,
                                }
                            }
                        }
                        Command::Data => match envelope.take() {
                            None => Reply::new(503, "5.5.1 MAIL first"),
                            Some(e) if e.to.is_empty() => {
                                envelope = Some(e);
                                Reply::new(554, "5.5.1 No valid recipients")
                            }
                            Some(e) => {
                                self.say(
                                    &mut io,
                                    &Reply::new(354, "End data with <CR><LF>.<CR><LF>"),
                                )
                                .await?;
                                match self.data(&mut io).await? {
                                    Data::Closed => return Ok(Ended::Closed),
                                    Data::TooLarge => {
                                        delivery.too_large();
                                        Reply::new(
                                            552,
                                            format!(
                                                "5.3.4 Message too big: at most {} bytes",
                                                limits.max_bytes
                                            ),
                                        )
                                    }
                                    Data::Message(bytes) => delivery.deliver(&e, &bytes).await,
                                }
                            }
                        },
                        Command::Rset => {
                            envelope = None;
                            Reply::new(250, "2.0.0 OK")
                        }
                        Command::Noop => Reply::new(250, "2.0.0 OK"),
                        Command::Help => Reply::new(214, "2.0.0 See RFC 5321"),
                        Command::Quit => {
                            self.say(&mut io, &Reply::new(221, "2.0.0 Bye")).await?;
                            return Ok(Ended::Closed);
                        }
                        Command::Verify => Reply::new(502, "5.5.1 VRFY and EXPN are not answered"),
                        Command::Unknown => Reply::new(500, "5.5.2 Command not recognized"),
                        Command::Invalid(reply) => reply,
                    }
                }
            };
            if reply.code >= 500 && reply.code != 550 && reply.code != 552 {
                errors += 1;
                if errors >= limits.max_errors {
                    let r = Reply::new(421, "4.7.0 Too many errors, closing");
                    self.say(&mut io, &r).await?;
                    return Ok(Ended::Closed);
                }
            }
            self.say(&mut io, &reply).await?;
        }
    }

    fn extensions(&self, starttls: bool) -> Vec<String> {
        let mut lines = vec![
            self.hostname.clone(),
            format!("SIZE {}", self.limits.max_bytes),
            "8BITMIME".to_owned(),
            "PIPELINING".to_owned(),
            "ENHANCEDSTATUSCODES".to_owned(),
        ];
        if starttls {
            lines.push("STARTTLS".to_owned());
        }
        lines
    }

    /// The next command line, read to its end however long; within the idle time.
    async fn command_line<R: AsyncBufRead + Unpin>(
        &self,
        io: &mut R,
        line: &mut Vec<u8>,
    ) -> std::io::Result<CommandLine> {
        let read = async {
            match read_piece(io, MAX_COMMAND, line).await? {
                Read::Eof => Ok(CommandLine::Eof),
                Read::Piece => {
                    // Read on to the line's end, keeping nothing of it.
                    let mut rest = Vec::with_capacity(DATA_PIECE);
                    loop {
                        match read_piece(io, DATA_PIECE, &mut rest).await? {
                            Read::Line => return Ok(CommandLine::TooLong),
                            Read::Eof => return Ok(CommandLine::Eof),
                            Read::Piece => {}
                        }
                    }
                }
                Read::Line => {
                    let text = line.strip_suffix(b"\n").unwrap_or(line);
                    let text = text.strip_suffix(b"\r").unwrap_or(text);
                    Ok(match std::str::from_utf8(text) {
                        Ok(t) if !t.chars().any(|c| c.is_control() && c != '\t') => {
                            CommandLine::Text(t.to_owned())
                        }
                        _ => CommandLine::NotText,
                    })
                }
            }
        };
        match tokio::time::timeout(self.limits.idle, read).await {
            Ok(result) => result,
            Err(_) => Ok(CommandLine::Idle),
        }
    }

    /// A message's lines up to `CRLF.CRLF`, dot-unstuffed, at most `max_bytes` of them kept.
    async fn data<R: AsyncBufRead + Unpin>(&self, io: &mut R) -> std::io::Result<Data> {
        let max = self.limits.max_bytes;
        let mut message = Vec::new();
        let mut too_large = false;
        let mut piece = Vec::with_capacity(DATA_PIECE);
        // At the start of a line, and whether the line before ended with CRLF: only
        // `CRLF.CRLF` ends a message, never a bare LF's (RFC 5321 §4.1.1.4; SMTP smuggling).
        let (mut line_start, mut after_crlf) = (true, true);
        loop {
            let read =
                tokio::time::timeout(self.limits.idle, read_piece(io, DATA_PIECE, &mut piece));
            let ends_line = match read.await {
                Err(_) | Ok(Ok(Read::Eof)) => return Ok(Data::Closed),
                Ok(Err(e)) => return Err(e),
                Ok(Ok(Read::Line)) => true,
                Ok(Ok(Read::Piece)) => false,
            };
            if line_start && after_crlf && piece == b".\r\n" {
                break;
            }
            let text = if line_start && piece.starts_with(b".") {
                &piece[1..]
            } else {
                &piece[..]
            };
            if message.len() + text.len() > max {
                too_large = true;
            }
            if !too_large {
                message.extend_from_slice(text);
            }
            line_start = ends_line;
            after_crlf = ends_line && piece.ends_with(b"\r\n");
        }
        Ok(if too_large {
            Data::TooLarge
        } else {
            Data::Message(message)
        })
    }

    async fn say<W: AsyncWrite + Unpin>(&self, io: &mut W, reply: &Reply) -> std::io::Result<()> {
        io.write_all(reply.line().as_bytes()).await?;
        io.flush().await
    }

    async fn say_lines<W: AsyncWrite + Unpin>(
        &self,
        io: &mut W,
        lines: &[String],
    ) -> std::io::Result<()> {
        let mut out = String::new();
        for (i, l) in lines.iter().enumerate() {
            let sep = if i + 1 == lines.len() { ' ' } else { '-' };
            out.push_str(&format!("250{sep}{l}\r\n"));
        }
        io.write_all(out.as_bytes()).await?;
        io.flush().await
    }
}

enum Data {
    Message(Vec<u8>),
    TooLarge,
    Closed,
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Mutex;
    use tokio::io::{AsyncReadExt as _, DuplexStream};

    #[test]
    fn commands_are_read_with_their_arguments() {
        let cases: &[(&str, Command)] = &[
            (
                "EHLO client.example",
                Command::Ehlo("client.example".into()),
            ),
            ("helo x", Command::Helo("x".into())),
            (
                "MAIL FROM:<ann@shop.test> SIZE=1200 BODY=8BITMIME",
                Command::Mail {
                    from: "ann@shop.test".into(),
                    size: Some(1200),
                },
            ),
            (
                "mail from: <>",
                Command::Mail {
                    from: String::new(),
                    size: None,
                },
            ),
            (
                "RCPT TO:<@relay.example:support@feedback.example>",
                Command::Rcpt("support@feedback.example".into()),
            ),
            ("DATA", Command::Data),
            ("rset", Command::Rset),
            ("NOOP", Command::Noop),
            ("QUIT", Command::Quit),
            ("VRFY root", Command::Verify),
            ("EXPN staff", Command::Verify),
            ("STARTTLS", Command::StartTls),
            ("XYZZY", Command::Unknown),
        ];
        for (line, want) in cases {
            assert_eq!(&parse(line), want, "{line}");
        }
        for bad in [
            "EHLO",
            "MAIL FROM:ann@shop.test",
            "MAIL FROM:<ann@shop.test> SIZE=lots",
            "MAIL FROM:<not an address>",
            "RCPT TO:<>",
            "RCPT TO:<postmaster>",
            "RCPT TO:<a@b> NOTIFY=NEVER",
        ] {
            assert!(matches!(parse(bad), Command::Invalid(_)), "{bad}");
        }
        assert!(matches!(parse("MAIL FROM:<a@b> SMTPUTF8"), Command::Invalid(r) if r.code == 555));
    }

    /// A delivery that takes `support@…` and keeps what it is given.
    #[derive(Default)]
    struct Kept {
        messages: Mutex<Vec<(Envelope, Vec<u8>)>>,
        too_large: AtomicUsize,
    }

    #[async_trait]
    impl Delivery for Kept {
        async fn recipient(&self, address: &str) -> Result<(), Reply> {
            if address.starts_with("support@") {
                Ok(())
            } else {
                Err(Reply::new(550, "5.1.1 No such recipient"))
            }
        }

        async fn deliver(&self, envelope: &Envelope, message: &[u8]) -> Reply {
            self.messages
                .lock()
                .unwrap()
                .push((envelope.clone(), message.to_vec()));
            Reply::new(250, "2.0.0 Queued")
        }

        fn too_large(&self) {
            self.too_large.fetch_add(1, Ordering::Relaxed);
        }
    }

    fn server(max_bytes: usize) -> Server {
        Server {
            hostname: "mx.feedback.test".into(),
            limits: Limits {
                max_bytes,
                ..Limits::default()
            },
        }
    }

    /// Runs a session against `input` sent at once (pipelined) and the client's side closed;
    /// what the server said.
    async fn converse(server: &Server, kept: &Kept, input: &[u8]) -> String {
        let (client, server_side): (DuplexStream, DuplexStream) = tokio::io::duplex(1 << 20);
        let (mut read, mut write) = tokio::io::split(client);
        let input = input.to_vec();
        let writer = tokio::spawn(async move {
            write.write_all(&input).await.unwrap();
            write.shutdown().await.unwrap();
        });
        let ended = server
            .session(server_side, kept, true, false, false)
            .await
            .unwrap();
        assert!(matches!(ended, Ended::Closed));
        writer.await.unwrap();
        let mut said = String::new();
        read.read_to_string(&mut said).await.unwrap();
        said
    }

    fn codes(said: &str) -> Vec<&str> {
        said.lines()
            .filter(|l| l.len() >= 4 && &l[3..4] == " ")
            .map(|l| &l[..3])
            .collect()
    }

    #[tokio::test]
    async fn a_pipelined_message_is_dot_unstuffed_and_delivered_once() {
        let kept = Kept::default();
        let said = converse(
            &server(1000),
            &kept,
            b"EHLO c\r\nMAIL FROM:<ann@shop.test>\r\nRCPT TO:<support@f.test>\r\nRCPT TO:<nobody@f.test>\r\nDATA\r\n\
              Subject: hi\r\n\r\n..leading dot\r\n..\r\nnot the end\r\n.\r\nQUIT\r\n",
        )
        .await;
        assert_eq!(
            codes(&said),
            ["220", "250", "250", "250", "550", "354", "250", "221"],
            "{said}"
        );
        assert!(said.contains("250-SIZE 1000\r\n") && said.contains("250-PIPELINING"));
        assert!(!said.contains("STARTTLS"), "no certificate, no STARTTLS");
        let messages = kept.messages.lock().unwrap();
        assert_eq!(messages.len(), 1);
        assert_eq!(messages[0].0.to, ["support@f.test"]);
        assert_eq!(
            messages[0].1,
            b"Subject: hi\r\n\r\n.leading dot\r\n.\r\nnot the end\r\n"
        );
    }

    #[tokio::test]
    async fn a_bare_lf_dot_does_not_end_a_message() {
        let kept = Kept::default();
        let said = converse(
            &server(1000),
            &kept,
            b"EHLO c\r\nMAIL FROM:<a@b>\r\nRCPT TO:<support@f>\r\nDATA\r\nx\n.\nRCPT TO:<x@y>\r\n.\r\nQUIT\r\n",
        )
        .await;
        assert_eq!(
            codes(&said),
            ["220", "250", "250", "250", "354", "250", "221"]
        );
        assert_eq!(
            kept.messages.lock().unwrap()[0].1,
            // The bare-LF line's dot is unstuffed like any line's; it ended nothing.
            b"x\n\nRCPT TO:<x@y>\r\n"
        );
    }

    #[tokio::test]
    async fn too_large_is_refused_at_mail_and_after_data_and_nothing_is_kept() {
        let kept = Kept::default();
        let mut input = b"EHLO c\r\nMAIL FROM:<a@b> SIZE=5000\r\nMAIL FROM:<a@b>\r\nRCPT TO:<support@f>\r\nDATA\r\n".to_vec();
        for _ in 0..100 {
            input.extend_from_slice(&[b'x'; 70]);
            input.extend_from_slice(b"\r\n");
        }
        input.extend_from_slice(b".\r\nNOOP\r\nQUIT\r\n");
        let said = converse(&server(1000), &kept, &input).await;
        assert_eq!(
            codes(&said),
            ["220", "250", "552", "250", "250", "354", "552", "250", "221"],
            "{said}"
        );
        assert!(said.contains("552 5.3.4"));
        assert!(kept.messages.lock().unwrap().is_empty());
        assert_eq!(kept.too_large.load(Ordering::Relaxed), 2);
    }

    #[tokio::test]
    async fn garbage_and_overlong_lines_are_refused_and_the_session_goes_on() {
        let kept = Kept::default();
        let mut input = b"EHLO c\r\n".to_vec();
        input.extend_from_slice(&vec![b'A'; 100_000]);
        input.extend_from_slice(
            b"\r\n\xff\xfe\x00\r\nVRFY root\r\nMAIL FROM:<a@b>\r\nRCPT TO:<support@f>\r\nDATA\r\n",
        );
        // A message line far longer than a command may be, kept whole.
        input.extend_from_slice(&vec![b'y'; 20_000]);
        input.extend_from_slice(b"\r\n.\r\nQUIT\r\n");
        let said = converse(&server(100_000), &kept, &input).await;
        assert_eq!(
            codes(&said),
            ["220", "250", "500", "500", "502", "250", "250", "354", "250", "221"],
            "{said}"
        );
        assert_eq!(kept.messages.lock().unwrap()[0].1.len(), 20_002);
    }

    #[tokio::test]
    async fn commands_out_of_order_are_refused() {
        let kept = Kept::default();
        let said = converse(
            &server(1000),
            &kept,
            b"MAIL FROM:<a@b>\r\nHELO c\r\nRCPT TO:<support@f>\r\nDATA\r\nMAIL FROM:<a@b>\r\nDATA\r\nMAIL FROM:<a@b>\r\nRSET\r\nSTARTTLS\r\nQUIT\r\n",
        )
        .await;
        assert_eq!(
            codes(&said),
            ["220", "503", "250", "503", "503", "250", "554", "503", "250", "502", "221"],
            "{said}"
        );
    }

    #[tokio::test]
    async fn a_client_that_errs_on_and_on_is_cut_off() {
        let kept = Kept::default();
        let said = converse(&server(1000), &kept, "BAD\r\n".repeat(50).as_bytes()).await;
        assert_eq!(said.matches("500 ").count(), 9);
        assert!(
            said.ends_with("421 4.7.0 Too many errors, closing\r\n"),
            "{said}"
        );
    }

    #[tokio::test]
    async fn a_silent_client_is_closed_after_the_idle_time() {
        let kept = Kept::default();
        let (client, server_side) = tokio::io::duplex(1024);
        // A short idle time: the client below never speaks, so only the timeout ends it.
        let srv = Server {
            hostname: "mx.feedback.test".into(),
            limits: Limits {
                idle: Duration::from_millis(100),
                ..Limits::default()
            },
        };
        let session = srv.session(server_side, &kept, true, false, false);
        let (ended, _) = tokio::join!(session, async {
            let mut client = client;
            let mut said = vec![0; 1024];
            let mut all = Vec::new();
            loop {
                let n = client.read(&mut said).await.unwrap();
                if n == 0 {
                    break;
                }
                all.extend_from_slice(&said[..n]);
            }
            let all = String::from_utf8(all).unwrap();
            assert!(all.contains("421 4.4.2"), "{all}");
        });
        assert!(matches!(ended.unwrap(), Ended::Closed));
    }
}
