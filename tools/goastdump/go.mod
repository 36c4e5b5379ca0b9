module letgo/tools/goastdump

go 1.27
