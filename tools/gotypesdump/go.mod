module letgo/tools/gotypesdump

go 1.27
