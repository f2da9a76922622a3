// Host for running the simulated cluster by hand. See docs/TESTING.md.
Console.Error.WriteLine("wild-simulator: not implemented yet");
return 2;
