//go:build race

package redistest

// Race is whether the tests run under the race detector, which slows the server and the
// clients alike by five to ten times: a test that counts its work in replies asks for fewer.
const Race = true
