package stages

var step05 = []*Stage{}
