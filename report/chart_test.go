package report

import (
	"bytes"
	"image/png"
	"math"
	"os"
	"testing"
)

func testChart() Chart {
	return Chart{
		Title: "Tiến độ so với mục tiêu Kế hoạch 2454/KH-UBND", GroupsTitle: "Sản phẩm theo ngành: Thực phẩm – Đồ uống – Sinh vật cảnh",
		ProgressAxis: "% so với mục tiêu", ProductsAxis: "sản phẩm", NoData: "chưa có dữ liệu",
		Series: []string{"Vùng kế hoạch", "Toàn tỉnh"},
		Targets: []ChartTarget{
			{Label: "Sản phẩm OCOP từ 3 sao còn hiệu lực", Progress: []float64{45, 80}},
			{Label: "Chủ thể là hợp tác xã", Progress: []float64{120, 200}},
			{Label: "Chủ thể và cán bộ được tập huấn", Progress: []float64{math.NaN(), math.NaN()}},
		},
		Groups: []ChartGroup{{Name: "Thực phẩm", N: []int{12, 30}}, {Name: "Đồ uống", N: []int{2, 5}},
			{Name: "Sinh vật cảnh", N: []int{0, 1}}, {Name: "Dịch vụ du lịch cộng đồng, du lịch sinh thái và điểm du lịch", N: []int{1, 1}}},
	}
}

func TestChartIsAValidPNG(t *testing.T) {
	small := func(c Chart) Chart { // quicker under the race detector
		c.Width, c.Height = 300, 300
		return c
	}
	for name, c := range map[string]Chart{"two series": testChart(), "one series": small(func() Chart {
		c := testChart()
		c.Series = []string{"Xã của bạn"}
		return c
	}()), "empty": small(Chart{Title: "Trống"})} {
		t.Run(name, func(t *testing.T) {
			b, err := c.PNG()
			if err != nil {
				t.Fatal(err)
			}
			img, err := png.Decode(bytes.NewReader(b))
			if err != nil {
				t.Fatalf("not a PNG: %v", err)
			}
			if r := img.Bounds(); name == "two series" && (r.Dx() != 900 || r.Dy() != 1000) {
				t.Errorf("size %v", r)
			}
			if out := os.Getenv("CHART_OUT"); out != "" && name == "two series" {
				if err := os.WriteFile(out, b, 0o644); err != nil {
					t.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkChartPNG is the drawing of /thongke's chart.
func BenchmarkChartPNG(b *testing.B) {
	c := testChart()
	for b.Loop() {
		if _, err := c.PNG(); err != nil {
			b.Fatal(err)
		}
	}
}
