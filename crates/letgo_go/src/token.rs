//! Go tokens, spelled and ranked as `go/token` spells and ranks them.

/// A lexical token of Go. The variants and their spellings follow `go/token`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Token {
    Illegal,
    Eof,
    Comment,
    // literals
    Ident,
    Int,
    Float,
    Imag,
    Char,
    String,
    // operators and delimiters
    Add,
    Sub,
    Mul,
    Quo,
    Rem,
    And,
    Or,
    Xor,
    Shl,
    Shr,
    AndNot,
    AddAssign,
    SubAssign,
    MulAssign,
    QuoAssign,
    RemAssign,
    AndAssign,
    OrAssign,
    XorAssign,
    ShlAssign,
    ShrAssign,
    AndNotAssign,
    Land,
    Lor,
    Arrow,
    Inc,
    Dec,
    Eql,
    Lss,
    Gtr,
    Assign,
    Not,
    Neq,
    Leq,
    Geq,
    Define,
    Ellipsis,
    Lparen,
    Lbrack,
    Lbrace,
    Comma,
    Period,
    Rparen,
    Rbrack,
    Rbrace,
    Semicolon,
    Colon,
    Tilde,
    // keywords
    Break,
    Case,
    Chan,
    Const,
    Continue,
    Default,
    Defer,
    Else,
    Fallthrough,
    For,
    Func,
    Go,
    Goto,
    If,
    Import,
    Interface,
    Map,
    Package,
    Range,
    Return,
    Select,
    Struct,
    Switch,
    Type,
    Var,
}

/// The precedence of the lowest binary operator, as in `go/token`.
pub const LOWEST_PREC: u8 = 0;

impl Token {
    /// The token's spelling, as `go/token.Token.String` gives it.
    pub fn as_str(self) -> &'static str {
        use Token::*;
        match self {
            Illegal => "ILLEGAL",
            Eof => "EOF",
            Comment => "COMMENT",
            Ident => "IDENT",
            Int => "INT",
            Float => "FLOAT",
            Imag => "IMAG",
            Char => "CHAR",
            String => "STRING",
            Add => "+",
            Sub => "-",
            Mul => "*",
            Quo => "/",
            Rem => "%",
            And => "&",
            Or => "|",
            Xor => "^",
            Shl => "<<",
            Shr => ">>",
            AndNot => "&^",
            AddAssign => "+=",
            SubAssign => "-=",
            MulAssign => "*=",
            QuoAssign => "/=",
            RemAssign => "%=",
            AndAssign => "&=",
            OrAssign => "|=",
            XorAssign => "^=",
            ShlAssign => "<<=",
            ShrAssign => ">>=",
            AndNotAssign => "&^=",
            Land => "&&",
            Lor => "||",
            Arrow => "<-",
            Inc => "++",
            Dec => "--",
            Eql => "==",
            Lss => "<",
            Gtr => ">",
            Assign => "=",
            Not => "!",
            Neq => "!=",
            Leq => "<=",
            Geq => ">=",
            Define => ":=",
            Ellipsis => "...",
            Lparen => "(",
            Lbrack => "[",
            Lbrace => "{",
            Comma => ",",
            Period => ".",
            Rparen => ")",
            Rbrack => "]",
            Rbrace => "}",
            Semicolon => ";",
            Colon => ":",
            Tilde => "~",
            Break => "break",
            Case => "case",
            Chan => "chan",
            Const => "const",
            Continue => "continue",
            Default => "default",
            Defer => "defer",
            Else => "else",
            Fallthrough => "fallthrough",
            For => "for",
            Func => "func",
            Go => "go",
            Goto => "goto",
            If => "if",
            Import => "import",
            Interface => "interface",
            Map => "map",
            Package => "package",
            Range => "range",
            Return => "return",
            Select => "select",
            Struct => "struct",
            Switch => "switch",
            Type => "type",
            Var => "var",
        }
    }

    /// Binary operator precedence (1 lowest .. 5 highest); 0 for non-operators.
    pub fn precedence(self) -> u8 {
        use Token::*;
        match self {
            Lor => 1,
            Land => 2,
            Eql | Neq | Lss | Leq | Gtr | Geq => 3,
            Add | Sub | Or | Xor => 4,
            Mul | Quo | Rem | Shl | Shr | And | AndNot => 5,
            _ => LOWEST_PREC,
        }
    }

    /// Identifiers and basic literals.
    pub fn is_literal(self) -> bool {
        matches!(
            self,
            Token::Ident | Token::Int | Token::Float | Token::Imag | Token::Char | Token::String
        )
    }

    /// Keywords, `break` through `var`.
    pub fn is_keyword(self) -> bool {
        (self as u8) >= (Token::Break as u8)
    }

    /// Assignment operators: `=`, `:=` and the `op=` forms.
    pub fn is_assign_op(self) -> bool {
        use Token::*;
        matches!(
            self,
            Define
                | Assign
                | AddAssign
                | SubAssign
                | MulAssign
                | QuoAssign
                | RemAssign
                | AndAssign
                | OrAssign
                | XorAssign
                | ShlAssign
                | ShrAssign
                | AndNotAssign
        )
    }

    /// The keyword spelled `ident`, or `Ident` when it is not a keyword.
    pub fn lookup(ident: &[u8]) -> Token {
        use Token::*;
        match ident {
            b"break" => Break,
            b"case" => Case,
            b"chan" => Chan,
            b"const" => Const,
            b"continue" => Continue,
            b"default" => Default,
            b"defer" => Defer,
            b"else" => Else,
            b"fallthrough" => Fallthrough,
            b"for" => For,
            b"func" => Func,
            b"go" => Go,
            b"goto" => Goto,
            b"if" => If,
            b"import" => Import,
            b"interface" => Interface,
            b"map" => Map,
            b"package" => Package,
            b"range" => Range,
            b"return" => Return,
            b"select" => Select,
            b"struct" => Struct,
            b"switch" => Switch,
            b"type" => Type,
            b"var" => Var,
            _ => Ident,
        }
    }
}

impl std::fmt::Display for Token {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}
