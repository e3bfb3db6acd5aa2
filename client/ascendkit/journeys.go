package ascendkit

// TransitionID is the id of a transition from one node to another.
func TransitionID(from, to string) string { return from + "-to-" + to }
