module letgo/bench/profilegen

go 1.27
