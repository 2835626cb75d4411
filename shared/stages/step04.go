package stages

var step04 = []*Stage{}
