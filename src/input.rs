//! Bytes in, documents out: turns files, stdin and Lambda payloads into a
//! stream of raw JSON documents, one per event, each with its position
//! (source name, record number) for error messages. Knows NDJSON, concatenated
//! and pretty-printed JSON, CloudTrail log files (`{"Records": [...]}`), gzip and
//! a UTF-8 BOM. Never loads a whole input into memory.
