module byoredis/08-replication

go 1.26.0

require byoredis/shared v0.0.0

replace byoredis/shared => ../shared
