module lockhang

go 1.27
