module eso.local/goregexp

go 1.22
