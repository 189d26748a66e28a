package sqlite

import (
	"database/sql/driver"
	"fmt"
	"strconv"
	"strings"

	"modernc.org/sqlite"
)

// containsFunc is the SQL function that TelegramFilter.Search uses:
// containsFunc(text, search) is 1 when text contains search, letter case
// aside. SQLite's own lower() and LIKE fold ASCII letters only, and
// telegrams are written in Cyrillic as well.
const containsFunc = "ciphergram_contains"

// registerErr is why containsFunc could not be registered; Open refuses
// to open a store then.
var registerErr = sqlite.RegisterDeterministicScalarFunction(containsFunc, 2, contains)

// contains implements containsFunc. NULL arguments give NULL.
func contains(_ *sqlite.FunctionContext, args []driver.Value) (driver.Value, error) {
	if args[0] == nil || args[1] == nil {
		return nil, nil
	}
	text, ok1 := args[0].(string)
	search, ok2 := args[1].(string)
	if !ok1 || !ok2 {
		return nil, fmt.Errorf("%s takes text, not %T and %T", containsFunc, args[0], args[1])
	}
	if strings.Contains(strings.ToLower(text), strings.ToLower(search)) {
		return int64(1), nil
	}
	return int64(0), nil
}

// searchNumber reads a search that is a telegram or registry number: one
// or more ASCII digits (leading zeros allowed, spaces around ignored)
// making a number above 0.
func searchNumber(search string) (int, bool) {
	search = strings.TrimSpace(search)
	if search == "" || strings.Trim(search, "0123456789") != "" {
		return 0, false
	}
	n, err := strconv.Atoi(search)
	if err != nil || n < 1 {
		return 0, false
	}
	return n, true
}
