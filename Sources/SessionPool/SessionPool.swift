// The session pool (in progress).
