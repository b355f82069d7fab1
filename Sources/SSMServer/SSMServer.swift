import SSMCore
// HTTP layer (in progress).
