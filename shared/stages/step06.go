package stages

var step06 = []*Stage{}
