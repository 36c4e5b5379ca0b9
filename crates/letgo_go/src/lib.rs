//! Go source model: scanner, parser, AST, modules and packages.
