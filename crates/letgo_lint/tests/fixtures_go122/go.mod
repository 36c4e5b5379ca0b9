module fixtures122

go 1.22
