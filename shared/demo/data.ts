/**
 * The people `rapport seed --demo` invents: per country, given and family names in the script
 * people write them in (with the romanization their email address would use), cities with their
 * IANA time zone, and a few fictitious businesses. Only reserved example domains are used for
 * email and only fictional phone ranges (US 555-01xx, UK 07700 900xxx), so no demo record can
 * reach a real person.
 */

/** A name as written, and the ASCII spelling an email address would use. */
export interface DemoName {
  native: string;
  roman: string;
}

export interface DemoCity {
  name: string;
  timezone: string;
  region?: string;
}

export interface DemoCountry {
  /** ISO 3166-1 alpha-2, what the `country` field gets. */
  code: string;
  /** BCP 47 tag, what the `locale` field gets. */
  locale: string;
  /** Relative frequency among demo customers. */
  weight: number;
  male: DemoName[];
  female: DemoName[];
  /** Family names; `familyFemale`, when given, holds the feminine forms in the same order. */
  family: DemoName[];
  familyFemale?: DemoName[];
  /** Share of people who give only one name (common in Indonesia). */
  singleName?: number;
  /** Share of people with two family names (Spain, Mexico). */
  doubleFamily?: number;
  cities: DemoCity[];
  companies: string[];
  phone?: (pick: (n: number) => number) => string;
}

/**
 * Parses `"伟:Wei, 芳:Fang, Bjørn"`: each entry is the native spelling, optionally followed by
 * `:` and its romanization (when absent, the native spelling is folded to ASCII).
 */
function names(list: string): DemoName[] {
  return list.split(",").map((entry) => {
    const [native = "", roman] = entry.split(":").map((s) => s.trim());
    return { native, roman: roman ?? native };
  });
}

function cities(timezone: string, list: string, region?: string): DemoCity[] {
  return list.split(",").map((entry) => {
    const [name = "", tz, reg] = entry.split("@").map((s) => s.trim());
    return { name, timezone: tz || timezone, ...(reg || region ? { region: reg || region } : {}) };
  });
}

const digits = (pick: (n: number) => number, count: number) => Array.from({ length: count }, () => pick(10)).join("");

export const DEMO_COUNTRIES: DemoCountry[] = [
  {
    code: "US",
    locale: "en-US",
    weight: 10,
    male: names("James, Michael, David, Tyler, Marcus, Kevin, Andre, Luis"),
    female: names("Emily, Jessica, Ashley, Sarah, Maya, Olivia, Keisha, Megan"),
    family: names("Smith, Johnson, Williams, Brown, Jones, Miller, Davis, Washington, O'Brien, Nguyen"),
    cities: cities(
      "America/New_York",
      "New York@@NY, Boston@@MA, Chicago@America/Chicago@IL, Austin@America/Chicago@TX, Denver@America/Denver@CO, Phoenix@America/Phoenix@AZ, Seattle@America/Los_Angeles@WA, Portland@America/Los_Angeles@OR",
    ),
    companies: ["Maple Street Studio", "Blue Harbor Goods LLC", "Sunrise Bakery", "Redwood Outfitters", "Cedar & Pine Co."],
    phone: (pick) => `+1 (${200 + pick(700)}) 555-01${digits(pick, 2)}`,
  },
  {
    code: "GB",
    locale: "en-GB",
    weight: 5,
    male: names("Oliver, Harry, George, Jack, Callum, Rhys"),
    female: names("Amelia, Isla, Charlotte, Poppy, Siobhan, Freya"),
    family: names("Taylor, Evans, Wilson, Thomas, Roberts, Walker, MacLeod, Ahmed"),
    cities: cities("Europe/London", "London, Manchester, Edinburgh, Bristol, Leeds, Cardiff"),
    companies: ["Thistle & Co Ltd", "Harbour Lane Books", "Kettle and Crumb", "Northern Loom Ltd"],
    phone: (pick) => `+44 7700 900${digits(pick, 3)}`,
  },
  {
    code: "DE",
    locale: "de-DE",
    weight: 5,
    male: names("Jürgen, Lukas, Maximilian, Jörg, Felix, Matthias"),
    female: names("Lena, Sophie, Käthe, Ursula, Jana, Mareike"),
    family: names("Müller, Schmidt, Schneider, Fischer, Weiß, Köhler, Schäfer, Becker"),
    cities: cities("Europe/Berlin", "Berlin, München, Köln, Hamburg, Düsseldorf, Leipzig"),
    companies: ["Müller Feinkost GmbH", "Grünwald Design", "Kaffeerösterei Elbblick", "Holzwerk Schäfer"],
  },
  {
    code: "FR",
    locale: "fr-FR",
    weight: 4,
    male: names("François, Théo, Loïc, Jérôme, Mathis, Gaël"),
    female: names("Éloïse, Chloé, Léa, Anaïs, Camille, Maëlle"),
    family: names("Martin, Bernard, Lefèvre, Dubois, Moreau, Girard, Mercier, Benoît"),
    cities: cities("Europe/Paris", "Paris, Lyon, Marseille, Nantes, Besançon, Saint-Étienne"),
    companies: ["Atelier Lefèvre", "La Fromagerie du Coin", "Éditions Papillon", "Savonnerie Provençale SARL"],
  },
  {
    code: "ES",
    locale: "es-ES",
    weight: 4,
    doubleFamily: 0.5,
    male: names("José, Alejandro, Álvaro, Íñigo, Javier, Sergio"),
    female: names("María, Lucía, Sofía, Begoña, Carmen, Nuria"),
    family: names("García, Fernández, Martínez, López, Rodríguez, Sánchez, Núñez, Muñoz, Pérez"),
    cities: cities("Europe/Madrid", "Madrid, Barcelona, Sevilla, Valencia, Bilbao, Las Palmas@Atlantic/Canary"),
    companies: ["Cerámicas del Sur S.L.", "Panadería Núñez", "Vinos Ribera S.L.", "Estudio Alba"],
  },
  {
    code: "MX",
    locale: "es-MX",
    weight: 4,
    doubleFamily: 0.6,
    male: names("Jesús, Santiago, Luis, Diego, Juan Pablo, Emiliano"),
    female: names("Guadalupe, Ximena, Valeria, Fernanda, María José, Itzel"),
    family: names("Hernández, González, Ramírez, Flores, Cruz, Morales, Gutiérrez"),
    cities: cities(
      "America/Mexico_City",
      "Ciudad de México, Guadalajara, Puebla, Oaxaca de Juárez, Monterrey@America/Monterrey, Tijuana@America/Tijuana, Mérida@America/Merida",
    ),
    companies: ["Artesanías del Valle", "Textiles Oaxaca S.A. de C.V.", "Cafetal La Esperanza", "Dulcería Lupita"],
  },
  {
    code: "BR",
    locale: "pt-BR",
    weight: 4,
    male: names("João, Gabriel, Lucas, Rafael, Thiago, Luiz"),
    female: names("Ana, Luíza, Beatriz, Júlia, Camila, Conceição"),
    family: names("Silva, Santos, Oliveira, Souza, Gonçalves, Araújo, Magalhães"),
    cities: cities("America/Sao_Paulo", "São Paulo, Rio de Janeiro, Belo Horizonte, Curitiba, Recife@America/Recife, Manaus@America/Manaus"),
    companies: ["Ateliê Girassol Ltda", "Café Serra Azul", "Doceria Brigadeiro", "Moda Praia Ipê"],
  },
  {
    code: "NO",
    locale: "nb-NO",
    weight: 4,
    male: names("Bjørn, Øystein, Håkon, Lars, Sindre, Eirik, Ørjan"),
    female: names("Ingrid, Kari, Åse, Sigrid, Solveig, Ragnhild, Tuva"),
    family: names("Ås, Hansen, Johansen, Bråten, Sæther, Løvås, Olsen, Haugen, Nilsen"),
    cities: cities("Europe/Oslo", "Oslo, Bergen, Trondheim, Tromsø, Ås, Ålesund, Bodø"),
    companies: ["Fjordlys AS", "Ås Bakeri AS", "Nordlys Design", "Bryggen Strikk AS"],
  },
  {
    code: "NL",
    locale: "fy-NL",
    weight: 3,
    male: names("Sjoerd, Jelle, Tsjerk, Auke, Hylke, Wytse"),
    female: names("Wytske, Baukje, Sytske, Froukje, Janke, Aukje"),
    family: names("de Vries, Hoekstra, Dijkstra, Bouma, Wiersma, Postma, de Jong, Visser, Sijbesma"),
    cities: cities("Europe/Amsterdam", "Ljouwert, Snits, Drachten, Harns, Dokkum, Frjentsjer", "Fryslân"),
    companies: ["Fryske Tsiis BV", "Waddenwyn", "Hoekstra Fytsen", "Skûtsje Reizen"],
  },
  {
    code: "CN",
    locale: "zh-CN",
    weight: 8,
    male: names("伟:Wei, 磊:Lei, 强:Qiang, 俊杰:Junjie, 浩然:Haoran, 建国:Jianguo, 志强:Zhiqiang"),
    female: names("芳:Fang, 娜:Na, 静:Jing, 秀英:Xiuying, 丽:Li, 欣怡:Xinyi, 晓燕:Xiaoyan"),
    family: names("张:Zhang, 王:Wang, 李:Li, 刘:Liu, 陈:Chen, 杨:Yang, 黄:Huang, 赵:Zhao, 周:Zhou"),
    cities: cities("Asia/Shanghai", "上海, 北京, 广州, 成都, 杭州, 深圳, 乌鲁木齐@Asia/Urumqi"),
    companies: ["晨光贸易有限公司", "蓝海科技有限公司", "青竹茶业", "锦绣丝绸坊"],
  },
  {
    code: "JP",
    locale: "ja-JP",
    weight: 6,
    male: names("陽翔:Haruto, 蓮:Ren, 大輔:Daisuke, 翔太:Shota, 健一:Kenichi, 湊:Minato"),
    female: names("結衣:Yui, さくら:Sakura, 美咲:Misaki, ひなた:Hinata, 陽菜:Hina, 愛子:Aiko"),
    family: names("佐藤:Sato, 鈴木:Suzuki, 高橋:Takahashi, 田中:Tanaka, 伊藤:Ito, 渡辺:Watanabe, 山本:Yamamoto, 中村:Nakamura"),
    cities: cities("Asia/Tokyo", "東京, 大阪, 京都, 福岡, 札幌, 名古屋"),
    companies: ["株式会社さくら商事", "山田デザイン事務所", "こもれび珈琲", "株式会社ミナト工房"],
  },
  {
    code: "KR",
    locale: "ko-KR",
    weight: 5,
    male: names("민준:Minjun, 지훈:Jihoon, 도윤:Doyun, 현우:Hyunwoo, 성민:Sungmin"),
    female: names("서연:Seoyeon, 하은:Haeun, 지우:Jiwoo, 수빈:Subin, 민지:Minji"),
    family: names("김:Kim, 이:Lee, 박:Park, 최:Choi, 정:Jung, 강:Kang, 윤:Yoon"),
    cities: cities("Asia/Seoul", "서울, 부산, 인천, 대구, 광주, 제주"),
    companies: ["한빛상사", "서울커피로스터스", "푸른디자인", "달빛공방"],
  },
  {
    code: "IN",
    locale: "hi-IN",
    weight: 7,
    male: names("आरव:Aarav, राहुल:Rahul, अर्जुन:Arjun, विवान:Vivaan, अमित:Amit, रोहन:Rohan"),
    female: names("प्रिया:Priya, अनन्या:Ananya, दीपिका:Deepika, पूजा:Pooja, नेहा:Neha, कविता:Kavita"),
    family: names("शर्मा:Sharma, वर्मा:Verma, गुप्ता:Gupta, सिंह:Singh, पटेल:Patel, कुमार:Kumar, जोशी:Joshi, मिश्रा:Mishra"),
    cities: cities("Asia/Kolkata", "मुंबई, दिल्ली, जयपुर, लखनऊ, बेंगलुरु, पुणे"),
    companies: ["Ganga Spices Pvt Ltd", "Sharma Textiles", "नीलकमल हस्तशिल्प", "Chai Point Traders"],
  },
  {
    code: "EG",
    locale: "ar-EG",
    weight: 4,
    male: names("محمد:Mohamed, أحمد:Ahmed, يوسف:Youssef, عمر:Omar, كريم:Karim, مصطفى:Mostafa"),
    female: names("فاطمة:Fatma, مريم:Mariam, نور:Nour, سارة:Sara, ياسمين:Yasmin, منى:Mona"),
    family: names("حسن:Hassan, علي:Ali, إبراهيم:Ibrahim, السيد:Elsayed, عبد الله:Abdallah, منصور:Mansour, سليمان:Soliman"),
    cities: cities("Africa/Cairo", "القاهرة, الإسكندرية, الجيزة, أسوان, المنصورة"),
    companies: ["النيل للتجارة", "دار الياسمين", "Cairo Crafts", "عطارة الحسين"],
  },
  {
    code: "SA",
    locale: "ar-SA",
    weight: 3,
    male: names("عبدالله:Abdullah, فهد:Fahad, خالد:Khalid, سلطان:Sultan, تركي:Turki"),
    female: names("نورة:Noura, ريم:Reem, لمى:Lama, هيفاء:Haifa, جود:Joud"),
    family: names("القحطاني:Alqahtani, الشهري:Alshehri, العتيبي:Alotaibi, الدوسري:Aldosari, الغامدي:Alghamdi"),
    cities: cities("Asia/Riyadh", "الرياض, جدة, الدمام, مكة المكرمة, أبها"),
    companies: ["شركة الواحة", "تمور القصيم", "Riyadh Oud House"],
  },
  {
    code: "IL",
    locale: "he-IL",
    weight: 2,
    male: names("דוד:David, יוסף:Yosef, איתי:Itai, נועם:Noam"),
    female: names("נועה:Noa, יעל:Yael, תמר:Tamar, מיכל:Michal"),
    family: names("כהן:Cohen, לוי:Levi, מזרחי:Mizrahi, פרץ:Peretz, ביטון:Biton, אברהם:Avraham"),
    cities: cities("Asia/Jerusalem", "תל אביב-יפו, ירושלים, חיפה, באר שבע"),
    companies: ["מאפיית השקד", "Galil Olive Press", "סטודיו תמר"],
  },
  {
    code: "RU",
    locale: "ru-RU",
    weight: 5,
    male: names("Александр:Aleksandr, Дмитрий:Dmitry, Иван:Ivan, Сергей:Sergey, Михаил:Mikhail, Артём:Artyom"),
    female: names("Мария:Maria, Анна:Anna, Екатерина:Ekaterina, Ольга:Olga, Наталья:Natalya, Софья:Sofya"),
    family: names("Иванов:Ivanov, Смирнов:Smirnov, Кузнецов:Kuznetsov, Попов:Popov, Соколов:Sokolov, Волков:Volkov"),
    familyFemale: names("Иванова:Ivanova, Смирнова:Smirnova, Кузнецова:Kuznetsova, Попова:Popova, Соколова:Sokolova, Волкова:Volkova"),
    cities: cities(
      "Europe/Moscow",
      "Москва, Санкт-Петербург, Казань, Новосибирск@Asia/Novosibirsk, Екатеринбург@Asia/Yekaterinburg, Владивосток@Asia/Vladivostok",
    ),
    companies: ["ООО «Северный ветер»", "Балтика Дизайн", "Пекарня «Колосок»"],
  },
  {
    code: "UA",
    locale: "uk-UA",
    weight: 3,
    male: names("Олександр:Oleksandr, Тарас:Taras, Андрій:Andrii, Богдан:Bohdan"),
    female: names("Оксана:Oksana, Ірина:Iryna, Наталія:Nataliia, Юлія:Yuliia"),
    family: names("Шевченко:Shevchenko, Коваленко:Kovalenko, Бондаренко:Bondarenko, Ткаченко:Tkachenko, Мельник:Melnyk"),
    cities: cities("Europe/Kyiv", "Київ, Львів, Одеса, Харків, Вінниця"),
    companies: ["ТОВ «Соняшник»", "Kyiv Coffee Lab", "Львівська майстерня"],
  },
  {
    code: "GR",
    locale: "el-GR",
    weight: 3,
    male: names("Γιώργος:Giorgos, Νίκος:Nikos, Δημήτρης:Dimitris, Κώστας:Kostas, Γιάννης:Giannis"),
    female: names("Μαρία:Maria, Ελένη:Eleni, Κατερίνα:Katerina, Σοφία:Sofia, Δέσποινα:Despoina"),
    family: names("Παπαδόπουλος:Papadopoulos, Οικονόμου:Oikonomou, Γεωργίου:Georgiou, Παπαδάκης:Papadakis, Βλάχος:Vlachos"),
    familyFemale: names("Παπαδοπούλου:Papadopoulou, Οικονόμου:Oikonomou, Γεωργίου:Georgiou, Παπαδάκη:Papadaki, Βλάχου:Vlachou"),
    cities: cities("Europe/Athens", "Αθήνα, Θεσσαλονίκη, Πάτρα, Ηράκλειο, Ιωάννινα"),
    companies: ["Ελαιώνας Α.Ε.", "Aegean Ceramics", "Μέλι Κρήτης"],
  },
  {
    code: "TR",
    locale: "tr-TR",
    weight: 4,
    male: names("Mehmet, Emre, Gökhan, İbrahim, Oğuz, Burak"),
    female: names("Ayşe, Zeynep, Şule, Çağla, Elif, Gülşen"),
    family: names("Yılmaz, Kaya, Demir, Şahin, Çelik, Öztürk, Aydın, Doğan, Kılıç"),
    cities: cities("Europe/Istanbul", "İstanbul, Ankara, İzmir, Bursa, Antalya, Eskişehir"),
    companies: ["Yıldız Tekstil A.Ş.", "Boğaziçi Seramik", "Kapadokya Halı", "Çınar Kahve"],
  },
  {
    code: "VN",
    locale: "vi-VN",
    weight: 4,
    male: names("Dũng, Quốc, Hiếu, Tuấn, Minh, Khánh"),
    female: names("Thảo, Hương, Phương, Trang, Ngọc, Linh"),
    family: names("Nguyễn, Trần, Lê, Phạm, Hoàng, Huỳnh, Võ, Đặng, Bùi"),
    cities: cities("Asia/Ho_Chi_Minh", "Hà Nội, Thành phố Hồ Chí Minh, Đà Nẵng, Huế, Hải Phòng, Cần Thơ"),
    companies: ["Công ty TNHH Sen Vàng", "Cà Phê Phố Cổ", "Gốm Bát Tràng Xanh"],
  },
  {
    code: "ID",
    locale: "id-ID",
    weight: 5,
    singleName: 0.2,
    male: names("Budi, Agus, Rizky, Wahyu, Eko, Bayu"),
    female: names("Siti, Dewi, Putri, Sri, Ayu, Rina"),
    family: names("Santoso, Wijaya, Saputra, Hidayat, Lestari, Kusuma, Setiawan, Pratama, Nugroho"),
    cities: cities("Asia/Jakarta", "Jakarta, Surabaya, Bandung, Yogyakarta, Denpasar@Asia/Makassar, Makassar@Asia/Makassar, Jayapura@Asia/Jayapura"),
    companies: ["PT Sinar Jaya", "CV Kopi Nusantara", "Batik Lestari", "Toko Rempah Sari"],
  },
  {
    code: "TH",
    locale: "th-TH",
    weight: 3,
    male: names("สมชาย:Somchai, สมศักดิ์:Somsak, ธนากร:Thanakorn, อนุชา:Anucha"),
    female: names("สุดา:Suda, มาลี:Malee, กมลชนก:Kamonchanok, ปิยะนุช:Piyanuch"),
    family: names("ศรีสุข:Srisuk, วงศ์ใหญ่:Wongyai, แสงทอง:Saengthong, บุญมา:Boonma, รัตนพันธ์:Rattanaphan"),
    cities: cities("Asia/Bangkok", "กรุงเทพมหานคร, เชียงใหม่, ภูเก็ต, ขอนแก่น"),
    companies: ["บ้านผ้าไทย", "Siam Orchid Co., Ltd.", "ร้านกาแฟดอยช้าง"],
  },
];

/** Reserved for documentation (RFC 2606): mail to them goes nowhere. */
export const DEMO_EMAIL_DOMAINS = ["example.com", "example.org", "example.net"];

export const DEMO_TAGS = ["newsletter", "vip", "wholesale", "b2b", "event:spring-fair", "gift-buyer", "referral", "instagram", "returning"];

export const DEMO_SOURCES = ["website", "landing-page", "popup", "checkout", "trade-show", "referral", "pop-up-store"];

export const DEMO_UTM = {
  source: ["google", "facebook", "instagram", "newsletter", "linkedin", "tiktok"],
  medium: ["cpc", "social", "email", "organic", "referral"],
  campaign: ["spring-sale", "black-friday", "summer-launch", "welcome-series", "holiday-gifts"],
};

export const DEMO_MESSAGES = [
  "Do you ship internationally?",
  "Interested in wholesale pricing for my shop.",
  "Please send me your catalogue.",
  "Can I book a workshop for a group of six?",
  "Is the large size back in stock soon?",
  "Do you offer gift wrapping?",
];

export const DEMO_PRODUCTS = [
  "Ceramic mug",
  "Linen tote bag",
  "Gift card",
  "Tea sampler",
  "Notebook set",
  "Scented candle",
  "Workshop ticket",
  "Wool scarf",
  "Olive oil soap",
  "Print, A3",
];

/** ASCII folding for the local part of an email: `Bjørn Ås` → `bjorn`, `as`; `Müller` → `mueller`. */
export function asciiFold(text: string, locale?: string): string {
  let s = text.toLowerCase();
  if (locale?.startsWith("de")) s = s.replace(/ä/g, "ae").replace(/ö/g, "oe").replace(/ü/g, "ue");
  s = s.replace(/ß/g, "ss").replace(/æ/g, "ae").replace(/ø/g, "o").replace(/œ/g, "oe").replace(/đ/g, "d").replace(/ł/g, "l").replace(/ı/g, "i");
  return s
    .normalize("NFD")
    .replace(/\p{M}/gu, "")
    .replace(/[^a-z0-9]/g, "");
}
