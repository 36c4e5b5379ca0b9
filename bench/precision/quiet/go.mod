module quiet

go 1.22
