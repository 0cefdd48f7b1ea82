module eso.local/gotemplate

go 1.22
