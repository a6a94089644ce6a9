module localbuild/pause

go 1.25
