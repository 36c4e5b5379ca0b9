module example.com/tracenames

go 1.27
