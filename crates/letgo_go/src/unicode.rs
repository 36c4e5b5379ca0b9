//! Unicode classes that Go's spec uses for identifiers.

use unicode_general_category::{get_general_category, GeneralCategory as Gc};

/// Go's `unicode.IsLetter`: categories Lu, Ll, Lt, Lm and Lo.
pub fn is_letter(c: char) -> bool {
    matches!(
        get_general_category(c),
        Gc::UppercaseLetter
            | Gc::LowercaseLetter
            | Gc::TitlecaseLetter
            | Gc::ModifierLetter
            | Gc::OtherLetter
    )
}

/// Go's `unicode.IsDigit`: category Nd.
pub fn is_digit(c: char) -> bool {
    get_general_category(c) == Gc::DecimalNumber
}
