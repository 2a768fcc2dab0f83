package sysmon

// eventSlabs hands out the readers' events and their field slices, cut from
// slabs allocated a few dozen events at a time and never reused: on a busy
// host's log these were two of the three allocations of every event. A slab
// lives as long as any event cut from it.
type eventSlabs struct {
	events []Event
	fields []field
}

// Sizes of the event and field slabs.
const (
	eventSlab = 32
	fieldSlab = 512
)

// next is the slab's next event, zeroed; it is the caller's once take is
// called (a reader that drops the event leaves it for the next one).
func (s *eventSlabs) next() *Event {
	if len(s.events) == 0 {
		s.events = make([]Event, eventSlab)
	}
	s.events[0] = Event{}
	return &s.events[0]
}

// take gives the event next returned to the caller.
func (s *eventSlabs) take() { s.events = s.events[1:] }

// fieldsFor is an empty field slice with room for n fields of its own
// (empty, not nil, when n is 0). It is capped: a SetField past n moves the
// event's fields rather than writing into the next event's.
func (s *eventSlabs) fieldsFor(n int) []field {
	if n == 0 {
		return []field{}
	}
	if cap(s.fields)-len(s.fields) < n {
		s.fields = make([]field, 0, max(fieldSlab, n))
	}
	start := len(s.fields)
	s.fields = s.fields[:start+n]
	return s.fields[start : start : start+n]
}
