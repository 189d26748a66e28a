module ciphergram

go 1.26.8
