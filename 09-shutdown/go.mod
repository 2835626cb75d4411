module byoredis/09-shutdown

go 1.26.0

require (
	byoredis/shared v0.0.0
	go.uber.org/goleak v1.3.0
)

replace byoredis/shared => ../shared
