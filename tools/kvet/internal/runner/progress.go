package runner

// Phases a run reports progress for.
const (
	PhaseBuild = "building"
	PhaseCheck = "checking"
)

// Progress is told each time one more target of total finished phase. It
// is called from several goroutines at once. Nil reports nothing.
type Progress func(phase string, total int)

func (p Progress) step(phase string, total int) {
	if p != nil {
		p(phase, total)
	}
}
