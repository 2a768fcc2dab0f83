package evtxwrite

import "time"

// EventTemplate is the template Windows defines for an event: System
// values and EventData values are substitutions. Values 0-5 are the
// provider name, EventID, TimeCreated, EventRecordID, Channel and
// Computer; with Qualifiers, 6 is unused and 7 is EventID's Qualifiers;
// the Data values follow.
type EventTemplate struct {
	DataNames []string
	// Qualifiers gives EventID a Qualifiers attribute.
	Qualifiers bool
	// Optional makes Qualifiers and the Data values optional
	// substitutions: a null value drops them.
	Optional bool
}

// FirstData is the id of the first Data value.
func (t EventTemplate) FirstData() uint16 {
	if t.Qualifiers {
		return 8
	}
	return 6
}

func (t EventTemplate) sub(x *BinXML, id uint16, typ byte) {
	if t.Optional {
		x.OptSub(id, typ)
	} else {
		x.Sub(id, typ)
	}
}

// Write writes the template's body.
func (t EventTemplate) Write(x *BinXML) {
	x.FragmentHeader()
	x.Open("Event", true)
	x.Attr("xmlns")
	x.Text("http://schemas.microsoft.com/win/2004/08/events/event")
	x.CloseStart()
	x.Element("System")
	x.Open("Provider", true)
	x.Attr("Name")
	x.Sub(0, TypeString)
	x.CloseEmpty()
	if t.Qualifiers {
		x.Open("EventID", true)
		x.Attr("Qualifiers")
		t.sub(x, 7, TypeUint16)
		x.CloseStart()
		x.Sub(1, TypeUint16)
		x.End()
	} else {
		x.TextElement("EventID", 1, TypeUint16)
	}
	x.Open("TimeCreated", true)
	x.Attr("SystemTime")
	x.Sub(2, TypeFileTime)
	x.CloseEmpty()
	x.TextElement("EventRecordID", 3, TypeUint64)
	x.TextElement("Channel", 4, TypeString)
	x.TextElement("Computer", 5, TypeString)
	x.End() // </System>
	x.Element("EventData")
	for j, name := range t.DataNames {
		x.Open("Data", true)
		x.Attr("Name")
		x.Text(name)
		x.CloseStart()
		t.sub(x, t.FirstData()+uint16(j), TypeString)
		x.End()
	}
	x.End() // </EventData>
	x.End() // </Event>
	x.EOF()
}

// System is the System part of an event.
type System struct {
	Provider string
	EventID  uint16
	Created  time.Time
	RecordID uint64
	Channel  string
	Computer string
}

// Values are the substitution values of an instance of the template:
// s, then (with Qualifiers) two nulls, then data as strings.
func (t EventTemplate) Values(s System, data []string) []Value {
	v := []Value{String(s.Provider), Uint16(s.EventID), FileTime(s.Created), Uint64(s.RecordID), String(s.Channel), String(s.Computer)}
	if t.Qualifiers {
		v = append(v, Null(), Null()) // 6: unused, 7: Qualifiers, absent
	}
	for _, d := range data {
		v = append(v, String(d))
	}
	return v
}

// InlineEvent writes a record's BinXML: a template instance with its own
// inline definition of t (id templateID), then the values.
func InlineEvent(x *BinXML, templateID uint32, t EventTemplate, values []Value) {
	x.FragmentHeader()
	x.TemplateInstance(templateID, 0, func() { t.Write(x) })
	x.Values(values)
}
