module hahaha.local/standin

go 1.24
