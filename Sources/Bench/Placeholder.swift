enum BenchPlaceholder {}
