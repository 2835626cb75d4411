module byoredis/07-pubsub

go 1.26.0

require byoredis/shared v0.0.0

replace byoredis/shared => ../shared
