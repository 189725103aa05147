//! The live event stream (`GET /api/v1/admin/events`) as a dashboard reads it.
#![allow(dead_code)]

use reqwest::StatusCode;
use serde_json::Value;
use std::time::Duration;

/// A server-sent-events stream as a dashboard reads it: its events' ids, types and data.
pub(crate) struct EventStream {
    response: reqwest::Response,
    buffer: String,
}

/// One server-sent event.
#[derive(Debug)]
pub(crate) struct Sse {
    pub(crate) id: i64,
    pub(crate) data: Value,
}

impl EventStream {
    pub(crate) async fn open(base: &str, token: &str, last_event_id: Option<i64>) -> Self {
        let mut request = reqwest::Client::new()
            .get(format!("{base}/api/v1/admin/events"))
            .bearer_auth(token);
        if let Some(id) = last_event_id {
            request = request.header("Last-Event-ID", id.to_string());
        }
        let response = request.send().await.expect("the collector answers");
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(
            response.headers()["content-type"],
            "text/event-stream",
            "an event stream"
        );
        Self {
            response,
            buffer: String::new(),
        }
    }

    /// The next `case` event (skipping others), or `None` when none came within `wait`.
    pub(crate) async fn next(&mut self, wait: Duration) -> Option<Sse> {
        self.next_of("case", wait).await
    }

    /// The next event of type `kind` (skipping others), or `None` when none came within `wait`.
    pub(crate) async fn next_of(&mut self, kind: &str, wait: Duration) -> Option<Sse> {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            let (id, event, data) = self.frame(deadline).await?;
            // Comments (the keep-alive) and an `id` alone have no event.
            if event.as_deref() == Some(kind) {
                if kind == "case" {
                    assert!(id.is_some(), "a case event has an id");
                }
                return Some(Sse {
                    id: id.unwrap_or(-1),
                    data: serde_json::from_str(&data).expect("JSON data"),
                });
            }
        }
    }

    /// The first frame of a stream opened without `Last-Event-ID`: an `id` alone, where it
    /// starts.
    pub(crate) async fn start(&mut self, wait: Duration) -> i64 {
        let deadline = tokio::time::Instant::now() + wait;
        let (id, event, data) = self.frame(deadline).await.expect("a first frame");
        assert_eq!((event, data.as_str()), (None, ""), "an id alone");
        id.expect("an id")
    }

    /// The next frame that is not a comment: its id, event and data.
    async fn frame(
        &mut self,
        deadline: tokio::time::Instant,
    ) -> Option<(Option<i64>, Option<String>, String)> {
        loop {
            while let Some(end) = self.buffer.find("\n\n") {
                let frame: String = self.buffer.drain(..end + 2).collect();
                let (mut id, mut event, mut data) = (None, None, String::new());
                for line in frame.lines() {
                    if let Some(v) = line.strip_prefix("id:") {
                        id = Some(v.trim().parse::<i64>().expect("a numeric event id"));
                    } else if let Some(v) = line.strip_prefix("event:") {
                        event = Some(v.trim().to_owned());
                    } else if let Some(v) = line.strip_prefix("data:") {
                        data.push_str(v.trim_start());
                    }
                }
                if id.is_some() || event.is_some() {
                    return Some((id, event, data));
                }
            }
            match tokio::time::timeout_at(deadline, self.response.chunk()).await {
                Ok(Ok(Some(bytes))) => self.buffer.push_str(std::str::from_utf8(&bytes).unwrap()),
                Ok(Ok(None)) => panic!("the stream ended"),
                Ok(Err(e)) => panic!("the stream failed: {e}"),
                Err(_) => return None,
            }
        }
    }
}
