package telegram

import _ "embed"

// DemoText is the demonstration telegram: the London resident VADIM's
// No. 278 of 21 April 1941, retold in the project's own words from the facts
// of the specification (agent LIST, CRIPPS's telegram No. 354 on the
// Japanese-Soviet neutrality pact, a note on GUO TAIQI, copies to WASHINGTON
// and CHONGQING).
//
//go:embed demo.txt
var DemoText string
