//! Fuzzes the Graph `fields` parser: no input may panic, an error must point inside the value,
//! and whatever parses must print to a canonical form, no longer than the input, that parses back
//! to the same selections.

#![no_main]

use libfuzzer_sys::fuzz_target;
use localgram_core::fields::{parse, print};

fuzz_target!(|data: &[u8]| {
    let Ok(input) = std::str::from_utf8(data) else {
        return;
    };
    match parse(input) {
        Ok(fields) => {
            let printed = print(&fields);
            assert!(
                printed.len() <= input.len(),
                "{input:?} printed longer: {printed:?}"
            );
            assert_eq!(
                parse(&printed).as_ref(),
                Ok(&fields),
                "{input:?} -> {printed:?}"
            );
            assert_eq!(print(&fields), printed);
        }
        Err(e) => {
            assert!(e.position <= input.chars().count(), "{input:?}: {e}");
            let message = e.graph_message(input);
            assert!(message.starts_with("Syntax error \""), "{message}");
        }
    }
});
