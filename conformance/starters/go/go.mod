module dwconformance/starter

go 1.19
