//go:build !unix

package fdlimit

import "errors"

// Elsewhere there is no RLIMIT_NOFILE to read: Fit assumes 1024, as Redis does when it cannot
// read it.
func getLimit() (uint64, error) { return 0, errors.New("no RLIMIT_NOFILE on this system") }

func setLimit(uint64) error { return errors.New("no RLIMIT_NOFILE on this system") }
