//! One pure function per output (subject, email, SMS, chat, JSON), each with its own escaping and length rules.
