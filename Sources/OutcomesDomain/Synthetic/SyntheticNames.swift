/// Name, street and place lists for synthetic identifier extracts. The names are common American
/// names written down for this project (not copied from any licensed list), in rough order of how
/// common they are; draws follow a Zipf-like law over that order (weight 1/(rank + offset)), so a
/// few names are frequent and many are rare, as term-frequency adjustments expect.
enum SyntheticNames {
    static let femaleFirst = words("""
        Mary Patricia Jennifer Linda Elizabeth Barbara Susan Jessica Sarah Karen Lisa Nancy Betty Sandra Margaret Ashley
        Kimberly Emily Donna Michelle Carol Amanda Melissa Deborah Stephanie Dorothy Rebecca Sharon Laura Cynthia Amy
        Kathleen Angela Shirley Brenda Emma Anna Pamela Nicole Samantha Katherine Christine Helen Debra Rachel Carolyn
        Janet Maria Catherine Heather Diane Olivia Julie Joyce Victoria Ruth Virginia Lauren Kelly Christina Joan Evelyn
        Judith Andrea Hannah Megan Cheryl Jacqueline Martha Madison Teresa Gloria Sara Janice Ann Kathryn Abigail Sophia
        Frances Jean Alice Judy Isabella Julia Grace Amber Denise Danielle Marilyn Beverly Charlotte Natalie Theresa Diana
        Brittany Doris Kayla Alexis Lori Marie Tiffany Tammy Crystal Latoya Keisha Tanisha Shanice Ebony Aaliyah Jasmine
        Destiny Imani Monique Yolanda Guadalupe Rosa Carmen Ana Lucia Veronica Yesenia Alejandra Gabriela Adriana Leticia
        Marisol Esperanza Xiomara Daisy Ximena Valeria Camila Mei Linh Mai Thi Priya Anjali Fatima Aisha Leilani Kalani
        Dakota Winona Tallulah Kendra Tonya Wendy Stacy Tracy Dawn Holly Erin Misty Brandy April Candace Melanie Vanessa
        Courtney Erica Erika Kristen Krista Lindsey Leah Whitney Chelsea Allison Morgan Taylor Jordan Brianna Haley Paige
        Mackenzie Savannah Sydney Autumn Brooke Caroline Molly Peggy Bonnie Connie Tina Rhonda Sheila Regina Lorraine Joann
        Norma Lillian Irene Louise Wanda Phyllis Darlene Lois Annie Jill Beth Gail Marsha Valerie Jane Kristin Sue Loretta
        Bernice Ella Hazel Rosemary Stella Vivian Lydia Miriam Naomi Esther Ruby Pearl Ivy Iris Jade Luna Zoe Chloe Ava Mia
        """)

    static let maleFirst = words("""
        James Robert John Michael David William Richard Joseph Thomas Charles Christopher Daniel Matthew Anthony Mark
        Donald Steven Paul Andrew Joshua Kenneth Kevin Brian George Timothy Ronald Edward Jason Jeffrey Ryan Jacob Gary
        Nicholas Eric Jonathan Stephen Larry Justin Scott Brandon Benjamin Samuel Gregory Alexander Frank Patrick Raymond
        Jack Dennis Jerry Tyler Aaron Jose Adam Nathan Henry Douglas Zachary Peter Kyle Ethan Walter Noah Jeremy Christian
        Keith Roger Terry Gerald Harold Sean Austin Carl Arthur Lawrence Dylan Jesse Jordan Bryan Billy Joe Bruce Gabriel
        Logan Albert Willie Alan Juan Wayne Elijah Randy Roy Vincent Ralph Eugene Russell Bobby Mason Philip Louis Darnell
        DeShawn Tyrone Jamal Malik Terrell Marquis Andre Darius Lamar Cedric Reginald Marcus Jermaine Dwayne Luis Carlos
        Jorge Miguel Pedro Alejandro Javier Ricardo Fernando Francisco Eduardo Rafael Manuel Jesus Diego Hector Ramon Raul
        Enrique Arturo Ernesto Nguyen Minh Tuan Wei Jun Hiroshi Raj Arjun Vikram Omar Ali Hassan Ahmed Kekoa Makoa Koa
        Cody Travis Shawn Chad Corey Derek Todd Troy Brett Shane Clinton Marvin Curtis Glenn Howard Earl Leonard Dale
        Melvin Clarence Stanley Leroy Herbert Frederick Lloyd Floyd Vernon Alvin Wesley Franklin Dustin Devin Trevor
        Colton Hunter Chase Blake Cameron Caleb Isaac Luke Owen Connor Evan Ian Seth Garrett Spencer Wyatt Landon Cole
        Mitchell Victor Martin Ronnie Johnny Jimmy Tommy Danny Frankie Calvin Jerome Maurice Clifford Lewis Leon Nathaniel
        Oscar Edwin Julian Adrian Ivan Sergio Ruben Roberto Angel Mario Oliver Liam Lucas Levi Ezra Elias Micah Silas Jonah
        """)

    /// Surnames common across the population.
    static let lastGeneral = words("""
        Smith Johnson Williams Brown Jones Miller Davis Wilson Anderson Taylor Thomas Moore Jackson Martin Lee Thompson
        White Harris Clark Lewis Robinson Walker Young Allen King Wright Scott Hill Green Adams Baker Nelson Carter
        Mitchell Roberts Turner Phillips Campbell Parker Evans Edwards Collins Stewart Morris Murphy Cook Rogers Morgan
        Peterson Cooper Reed Bailey Bell Kelly Howard Ward Cox Richardson Wood Watson Brooks Bennett Gray James Hughes
        Price Myers Long Foster Sanders Ross Powell Sullivan Russell Jenkins Perry Butler Barnes Fisher Henderson Coleman
        Simmons Patterson Jordan Reynolds Hamilton Graham Wallace West Cole Hayes Bryant Gibson Ellis Stevens Murray Ford
        Marshall Owens McDonald Harrison Kennedy Wells Alexander Griffin Hunter Hicks Palmer Black Holmes Stone Meyer
        Boyd Mills Warren Fox Rose Rice Moreno Schmidt Patel Ferguson Nichols Herrera Medina Ryan Fernandez Weaver Daniels
        Stephens Gardner Payne Kelley Dunn Pierce Arnold Tran Spencer Peters Hawkins Grant Hansen Castro Hoffman Hart
        Elliott Cunningham Knight Bradley Carroll Hudson Duncan Armstrong Berry Andrews Johnston Ray Lane Riley Carpenter
        Perkins Aguilar Silva Richards Willis Matthews Chapman Lawrence Garza Vargas Watkins Wheeler Larson Carlson Harper
        George Greene Burke Guzman Morrison Munoz Jacobs O'Brien Lawson Franklin Lynch Bishop Carr Salazar Austin Mendez
        Gilbert Jensen Williamson Montgomery Harvey Oliver Howell Dean Hanson Weber Garrett Sims Burton Fuller Soto McCoy
        Welch Chen Schultz Walters Reid Fields Walsh Little Fowler Bowman Davidson May Day Schneider Newman Brewer Lucas
        Holland Wong Banks Santos Curtis Pearson Delgado Valdez Pena Rios Douglas Sandoval Barrett Hopkins Keller Guerrero
        Stanley Bates Alvarado Beck Ortega Wade Estrada Contreras Barnett Caldwell Santiago Lambert Powers Chambers Nunez
        Craig Leonard Lowe Rhodes Byrd Gregory Shelton Frazier Becker Maldonado Fleming Vega Sutton Cohen Jennings Parks
        McDaniel Watts Barker Norris Vaughn Vazquez Holt Schwartz Steele Benson Neal Dominguez Horton Terry Wolfe Hale
        Lyons Graves Haynes Miles Park Warner Padilla Bush Thornton McCarthy Mann Zimmerman Erickson Fletcher McKinney
        Page Dawson Joseph Marquez Reeves Klein Espinoza Baldwin Moran Love Robbins Higgins Ball Cortez Le Griffith Bowen
        Sharp Cummings Ramsey Hardy Swanson Barber Acosta Luna Chandler Blair Daniel Cross Simon Dennis O'Connor Quinn
        Gross Navarro Moss Fitzgerald Doyle McLaughlin Rojas Rodgers Stevenson Singh Yang Figueroa Harmon Newton Paul
        Manning Garner McGee Reese Francis Burgess Adkins Goodman Curry Brady Christensen Potter Walton Goodwin Mullins
        Molina Webster Fischer Campos Avila Sherman Todd Chang Blake Malone Wolf Hodges Juarez Gill Farmer Hines Gallagher
        """)

    /// Surnames drawn more often for Hispanic persons.
    static let lastHispanic = words("""
        Garcia Rodriguez Martinez Hernandez Lopez Gonzalez Perez Sanchez Ramirez Torres Flores Rivera Gomez Diaz Cruz
        Reyes Morales Gutierrez Ortiz Chavez Ramos Ruiz Mendoza Alvarez Castillo Jimenez Vasquez Romero Herrera Medina
        Aguilar Vargas Castro Guzman Fernandez Moreno Munoz Salazar Mendez Soto Delgado Pena Rios Sandoval Guerrero
        Estrada Contreras Nunez Maldonado Vega Dominguez Marquez Espinoza Cortez Rojas Navarro Campos Ayala Cabrera
        Cervantes Fuentes Ibarra Lara Mejia Meza Miranda Orozco Pacheco Rosales Trevino Valencia Zamora Villarreal
        """)

    /// Surnames drawn more often for Asian and Pacific Islander persons.
    static let lastAsian = words("""
        Nguyen Tran Le Pham Kim Chen Wang Li Zhang Liu Huang Lin Wu Yang Park Choi Patel Shah Singh Kumar Tanaka
        Suzuki Takahashi Watanabe Yamamoto Nakamura Ito Sato Kobayashi Lim Wong Chang Ho Lam Cheung Vo Hoang Dang Bui
        Do Reyes Santos Cruz Bautista Mendoza Kahale Kealoha Akana Kamaka Nakoa Fonoti Tuilagi
        """)

    /// Common nicknames (and short forms) a record may carry instead of the given name.
    static let nicknames: [String: [String]] = {
        let pairs = """
            Robert:Bob,Rob,Bobby William:Bill,Will,Billy Richard:Dick,Rick,Rich James:Jim,Jimmy,Jamie John:Jack,Johnny
            Michael:Mike,Mikey Joseph:Joe,Joey Thomas:Tom,Tommy Charles:Charlie,Chuck Christopher:Chris Daniel:Dan,Danny
            Matthew:Matt Anthony:Tony Donald:Don,Donnie Steven:Steve Andrew:Andy,Drew Joshua:Josh Kenneth:Ken,Kenny
            Timothy:Tim Ronald:Ron,Ronnie Edward:Ed,Eddie,Ted Jeffrey:Jeff Gregory:Greg Alexander:Alex Nicholas:Nick
            Benjamin:Ben Samuel:Sam Jonathan:Jon Zachary:Zach Patrick:Pat Raymond:Ray Gerald:Jerry Lawrence:Larry
            Nathaniel:Nate Frederick:Fred Alejandro:Alex Francisco:Paco,Frank Jose:Pepe Eduardo:Lalo Manuel:Manny
            Elizabeth:Liz,Beth,Betty Margaret:Maggie,Peggy,Meg Patricia:Pat,Patty,Trish Jennifer:Jen,Jenny Katherine:Kate,Katie
            Kathleen:Kathy Catherine:Cathy Susan:Sue,Susie Deborah:Debbie,Deb Rebecca:Becky Stephanie:Steph
            Christine:Chris Christina:Tina Samantha:Sam Victoria:Vicky,Tori Jacqueline:Jackie Abigail:Abby
            Dorothy:Dot Barbara:Barb Pamela:Pam Cynthia:Cindy Kimberly:Kim Melissa:Missy Amanda:Mandy Sandra:Sandy
            Teresa:Terry Alexandra:Alex Guadalupe:Lupe Gabriela:Gaby Veronica:Ronnie Valerie:Val Judith:Judy
            """
        var result: [String: [String]] = [:]
        for pair in words(pairs) {
            let parts = pair.split(separator: ":")
            result[String(parts[0])] = parts[1].split(separator: ",").map(String.init)
        }
        return result
    }()

    static let streets = words("""
        Main Oak Pine Maple Cedar Elm Washington Lake Hill Park Walnut Spring Ridge Church Willow Mill Jefferson
        Lincoln Highland Sunset Jackson Chestnut River Franklin Madison Forest Meadow Center Adams Cherry Valley Hickory
        Prospect Broad Union Grove Orchard Bridge Market School Water Railroad Locust Spruce Birch Dogwood Laurel
        Magnolia Aspen Sycamore Poplar Holly Juniper Sequoia Riverside Lakeview Fairview Hillcrest Woodland Brookside
        Greenwood Kingston Monroe Harrison Grant Hamilton Franklin Clinton Garfield Wilson Lee Front Second Third Fourth
        Fifth Sixth Seventh Eighth Ninth Tenth
        """)

    static let streetSuffixes = ["St", "Ave", "Rd", "Dr", "Ln", "Blvd", "Ct", "Way", "Pl", "Ter"]

    /// Cities by county (the index of `SyntheticIDS.counties`), each with its postcode.
    static let cities: [[(name: String, postcode: String)]] = [
        [("Alder Falls", "97101"), ("Millbrook", "97104"), ("Ridgefield", "97108")],
        [("Birchport", "97120"), ("Oakdale", "97123"), ("Stonebridge", "97127")],
        [("Cedar Crossing", "97140"), ("Westfield", "97142"), ("Granite Bay", "97146")],
        [("Dogwood", "97160"), ("Fairhaven", "97163"), ("Pine Hollow", "97165")],
        [("Elm Grove", "97180"), ("Northgate", "97184")],
        [("Fir Landing", "97190"), ("Silver Creek", "97193")],
    ]

    private static func words(_ text: String) -> [String] {
        text.split(whereSeparator: { $0 == " " || $0 == "\n" }).map(String.init)
    }
}

/// Draws an index into a list ordered by frequency with weight 1/(rank + offset): cumulative
/// weights and a binary search, so a draw costs O(log n) whatever the list's length.
struct ZipfSampler: Sendable {
    private let cumulative: [Double]

    init(count: Int, offset: Double) {
        var total = 0.0
        cumulative = (0..<count).map { rank in
            total += 1 / (Double(rank + 1) + offset)
            return total
        }
    }

    func draw(_ rng: inout SeededGenerator) -> Int {
        let target = rng.uniform() * cumulative[cumulative.count - 1]
        var low = 0, high = cumulative.count - 1
        while low < high {
            let middle = (low + high) / 2
            if cumulative[middle] > target { high = middle } else { low = middle + 1 }
        }
        return low
    }
}
