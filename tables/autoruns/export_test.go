package autoruns

// ProcessCPU and ReportCPU serve the external test package's benchmarks.
var (
	ProcessCPU = processCPU
	ReportCPU  = reportCPU
)
