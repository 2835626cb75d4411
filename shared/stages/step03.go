package stages

var step03 = []*Stage{}
