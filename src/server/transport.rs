//! JSON-RPC over stdio with `Content-Length` framing. lsp-server's own stdio threads end the
//! connection on the first malformed message; a language server must not die because one
//! message was bad, so this reader answers a payload that is not JSON with a parse error (and
//! one that is not a message with an invalid-request error) and reads on. Only a broken frame
//! (the stream itself is lost) or the end of input stops it.

use std::io::{self, BufRead, Write};
use std::thread;

use crossbeam_channel::{Receiver, Sender};
use lsp_server::{ErrorCode, Message};
use serde_json::{json, Value};

/// What the writer sends: a message, or a raw error response (its id may be `null`, which
/// lsp-server's types cannot express).
pub enum Out {
    Message(Message),
    Raw(Value),
    /// Everything before it is written: the writer stops (the reader may still hold a sender).
    Stop,
}

/// Starts the reader and writer threads; returns the incoming messages, the outgoing sender
/// and the writer thread (joined at exit, so everything sent is flushed).
pub fn stdio() -> (Receiver<Message>, Sender<Out>, thread::JoinHandle<()>) {
    let (out_tx, out_rx) = crossbeam_channel::unbounded::<Out>();
    let writer = thread::spawn(move || {
        let stdout = io::stdout();
        let mut w = stdout.lock();
        for out in out_rx {
            let ok = match out {
                Out::Message(m) => m.write(&mut w),
                Out::Raw(v) => write_frame(&mut w, &v.to_string()),
                Out::Stop => return,
            };
            if ok.is_err() {
                return;
            }
        }
    });
    let (in_tx, in_rx) = crossbeam_channel::unbounded::<Message>();
    let errors = out_tx.clone();
    thread::spawn(move || {
        let stdin = io::stdin();
        let mut r = stdin.lock();
        while let Ok(Some(body)) = read_frame(&mut r) {
            match parse(&body) {
                Ok(m) => {
                    if in_tx.send(m).is_err() {
                        return;
                    }
                }
                Err(e) => {
                    if errors.send(Out::Raw(e)).is_err() {
                        return;
                    }
                }
            }
        }
    });
    (in_rx, out_tx, writer)
}

/// A message, or the error response to send back.
fn parse(body: &[u8]) -> Result<Message, Value> {
    let v: Value = serde_json::from_slice(body).map_err(|e| {
        error(
            Value::Null,
            ErrorCode::ParseError,
            &format!("not JSON: {e}"),
        )
    })?;
    let id = v.get("id").cloned().unwrap_or(Value::Null);
    serde_json::from_value(v).map_err(|e| {
        error(
            id,
            ErrorCode::InvalidRequest,
            &format!("not a JSON-RPC message: {e}"),
        )
    })
}

fn error(id: Value, code: ErrorCode, message: &str) -> Value {
    json!({"jsonrpc": "2.0", "id": id, "error": {"code": code as i32, "message": message}})
}

/// One frame's body; `None` at the end of input.
fn read_frame(r: &mut impl BufRead) -> io::Result<Option<Vec<u8>>> {
    let mut size: Option<usize> = None;
    let mut line = String::new();
    loop {
        line.clear();
        if r.read_line(&mut line)? == 0 {
            return Ok(None);
        }
        let header = line.trim_end_matches(['\r', '\n']);
        if header.is_empty() {
            if size.is_some() {
                break;
            }
            // Blank lines between frames are tolerated.
            continue;
        }
        if let Some((name, value)) = header.split_once(':') {
            if name.trim().eq_ignore_ascii_case("content-length") {
                size = value.trim().parse().ok();
            }
        }
    }
    let mut body = vec![0; size.unwrap_or_default()];
    r.read_exact(&mut body)?;
    Ok(Some(body))
}

fn write_frame(w: &mut impl Write, body: &str) -> io::Result<()> {
    write!(w, "Content-Length: {}\r\n\r\n{body}", body.len())?;
    w.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_are_read_one_by_one_and_bad_payloads_answered() {
        let input = b"Content-Length: 5\r\n\r\n{oops\r\n\r\ncontent-length: 40\r\n\r\n{\"jsonrpc\":\"2.0\",\"method\":\"initialized\"}";
        let mut r = &input[..];
        let first = read_frame(&mut r).unwrap().unwrap();
        let e = parse(&first).unwrap_err();
        assert_eq!(e["error"]["code"], -32700);
        assert_eq!(e["id"], Value::Null);
        let second = read_frame(&mut r).unwrap().unwrap();
        assert!(matches!(parse(&second), Ok(Message::Notification(_))));
        assert!(read_frame(&mut r).unwrap().is_none());
    }

    #[test]
    fn a_request_without_a_method_is_invalid() {
        let e = parse(br#"{"jsonrpc":"2.0","id":7,"params":{}}"#).unwrap_err();
        assert_eq!(e["error"]["code"], -32600);
        assert_eq!(e["id"], 7);
    }
}
