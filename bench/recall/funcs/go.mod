module letgo/bench/recall/funcs

go 1.22
